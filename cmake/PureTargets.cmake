# The dependency rule (DESIGN.md, "Layout"): pure code never links libmariadb, directly
# or through another target, and never includes its headers. libmariadb's include
# directory comes only with PkgConfig::MARIADB (Debian installs mysql.h under
# /usr/include/mariadb), so a pure target outside that link closure cannot include it;
# the source scan below names the offending line anyway.
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

# binsync_check_pure(target...): fails the configure step when a target reaches
# libmariadb or one of its sources includes a libmariadb header.
function(binsync_check_pure)
  foreach(target IN LISTS ARGN)
    _binsync_link_closure(${target} closure)
    if("PkgConfig::MARIADB" IN_LIST closure)
      message(FATAL_ERROR "${target} is pure code (DESIGN.md, \"Layout\") but links "
              "libmariadb (PkgConfig::MARIADB is among its dependencies, direct or not); "
              "move the server I/O to its executor in net/")
    endif()
    get_target_property(sources ${target} SOURCES)
    get_target_property(dir ${target} SOURCE_DIR)
    file(GLOB headers "${dir}/*.h")
    foreach(src IN LISTS sources headers)
      cmake_path(ABSOLUTE_PATH src BASE_DIRECTORY "${dir}")
      file(STRINGS "${src}" bad REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"](mysql|mariadb|errmsg|mysqld_error|ma_)")
      if(bad)
        message(FATAL_ERROR "${src}: pure code includes a libmariadb header: ${bad}")
      endif()
    endforeach()
  endforeach()
endfunction()
