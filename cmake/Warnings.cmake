# Strict warnings for binsync's own targets only; dependencies come in as SYSTEM
# includes through their imported targets. Not used: -Wnull-dereference (GCC 12 reports
# false positives inside libstdc++ stream iterators at -O3).
function(binsync_target_options target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Werror
    -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused
    -Woverloaded-virtual -Wdouble-promotion -Wformat=2
    -Wimplicit-fallthrough -Wmisleading-indentation)
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
endfunction()
