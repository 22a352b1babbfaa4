# The layout rule, in the design card's words (docs/ARCHITECTURE.md, "Layout"): core/
# decides, net/ talks to servers. One folder per concept or job inside each, one library per
# folder, and three rules the build enforces at configure time, so they cannot rot:
#
#  1. Nothing under core/ reaches libmariadb, directly or through another target, and no
#     file under core/ includes a libmariadb header.
#  2. No file under core/ includes a header under net/ (and no core/ library links one).
#  3. A file may include another binsync folder's header only if its library links that
#     folder's library (directly or not): the include graph is the link graph.
#
# Debian installs mysql.h under /usr/include/mariadb, visible to every target whatever
# CMake says, hence a check that reads the sources rather than trusting include paths.
# tests/layout/ proves the check fires (a core/ library including mysql.h, a core/ file
# including a net/ header, a folder including a header of a library it does not link) and
# accepts the allowed shape.

set_property(GLOBAL PROPERTY BINSYNC_LAYOUT_TARGETS "")

# binsync_library(<target> SOURCES ... [PUBLIC ...] [PRIVATE ...])
# A library for the folder of the calling CMakeLists.txt (its files only, not subfolders).
# Its folder says what it may do: under core/ it is pure, under net/ it may talk to servers.
function(binsync_library target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;PUBLIC;PRIVATE")
  add_library(${target} STATIC ${arg_SOURCES})
  binsync_target_options(${target})
  target_link_libraries(${target} PUBLIC ${arg_PUBLIC} PRIVATE ${arg_PRIVATE})
  file(RELATIVE_PATH folder "${PROJECT_SOURCE_DIR}" "${CMAKE_CURRENT_SOURCE_DIR}")
  set_target_properties(${target} PROPERTIES BINSYNC_FOLDER "${folder}")
  set_property(GLOBAL APPEND PROPERTY BINSYNC_LAYOUT_TARGETS ${target})
endfunction()

function(_binsync_link_closure target out_var)
  set(seen "")
  set(todo ${target})
  while(todo)
    list(POP_FRONT todo t)
    # $<LINK_ONLY:x> (private dependencies of static libraries) still links x.
    string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" t "${t}")
    if(NOT TARGET "${t}" OR "${t}" IN_LIST seen)
      continue()
    endif()
    list(APPEND seen "${t}")
    get_target_property(type "${t}" TYPE)
    set(deps "")
    if(NOT type STREQUAL "INTERFACE_LIBRARY")
      get_target_property(direct "${t}" LINK_LIBRARIES)
      if(direct)
        list(APPEND deps ${direct})
      endif()
    endif()
    get_target_property(iface "${t}" INTERFACE_LINK_LIBRARIES)
    if(iface)
      list(APPEND deps ${iface})
    endif()
    list(APPEND todo ${deps})
  endwhile()
  set(${out_var} "${seen}" PARENT_SCOPE)
endfunction()

# binsync_check_layout([EXTRA_TARGETS ...]): checks the rules for every library made by
# binsync_library (rules 1 and 2 for those under core/), and rule 3 for EXTRA_TARGETS (the
# executable, whose folder is tools/).
function(binsync_check_layout)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "" "EXTRA_TARGETS")
  get_property(targets GLOBAL PROPERTY BINSYNC_LAYOUT_TARGETS)
  # folder -> target (an include's directory is compared whole: core/replicate/x.h
  # belongs to core/replicate/, not to net/replicate/).
  set(folders "")
  foreach(t IN LISTS targets)
    get_target_property(f ${t} BINSYNC_FOLDER)
    list(APPEND folders "${f}")
    set(owner_${f} ${t})
  endforeach()
  foreach(t IN LISTS targets arg_EXTRA_TARGETS)
    _binsync_link_closure(${t} closure)
    set(core FALSE)
    if(NOT t IN_LIST arg_EXTRA_TARGETS)
      get_target_property(folder ${t} BINSYNC_FOLDER)
      if(folder MATCHES "^core/")
        set(core TRUE)
      endif()
    endif()
    if(core AND "PkgConfig::MARIADB" IN_LIST closure)
      message(FATAL_ERROR "${t} is under core/ (pure code: docs/ARCHITECTURE.md, \"Layout\") "
              "but links libmariadb (PkgConfig::MARIADB is among its dependencies, direct or "
              "not); move the server I/O to the job's executor under net/")
    endif()
    if(core)
      foreach(dep IN LISTS closure)
        if(TARGET "${dep}")
          get_target_property(dep_folder "${dep}" BINSYNC_FOLDER)
          if(dep_folder MATCHES "^net/")
            message(FATAL_ERROR "${t} is under core/ but links ${dep} (${dep_folder}/): core/ "
                    "decides, net/ talks to servers; the executor links the pure library, "
                    "never the other way round")
          endif()
        endif()
      endforeach()
    endif()
    get_target_property(dir ${t} SOURCE_DIR)
    file(GLOB files "${dir}/*.h" "${dir}/*.cc")
    foreach(src IN LISTS files)
      file(STRINGS "${src}" includes REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]")
      foreach(line IN LISTS includes)
        if(core AND line MATCHES "include[ \t]*[<\"](mysql|mariadb|errmsg|mysqld_error|ma_)")
          message(FATAL_ERROR "${src}: pure code includes a libmariadb header: ${line} "
                  "(core/ decides, net/ talks to servers)")
        endif()
        if(core AND line MATCHES "include[ \t]*\"net/")
          message(FATAL_ERROR "${src}: core/ includes a net/ header: ${line} (core/ decides, "
                  "net/ talks to servers: pass core/ what it needs, or move this file to net/)")
        endif()
        if(NOT line MATCHES "include[ \t]*\"([^\"]+)/[^/\"]+\"")
          continue()
        endif()
        set(inc_dir "${CMAKE_MATCH_1}")
        foreach(f IN LISTS folders)
          if(inc_dir STREQUAL f)
            if(NOT owner_${f} IN_LIST closure)
              message(FATAL_ERROR "${src}: includes ${f}/ but ${t} does not link "
                      "${owner_${f}}: the include graph must be the link graph "
                      "(docs/ARCHITECTURE.md, \"Layout\")")
            endif()
            break()
          endif()
        endforeach()
      endforeach()
    endforeach()
  endforeach()
endfunction()
