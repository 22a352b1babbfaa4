# Decoder micro-benchmarks (bench/binlog_decode_bench.cc); included from bench/CMakeLists.txt.
add_executable(binlog_decode_bench ${CMAKE_CURRENT_LIST_DIR}/binlog_decode_bench.cc)
binsync_target_options(binlog_decode_bench)
target_link_libraries(binlog_decode_bench PRIVATE binsync_binlog ZLIB::ZLIB benchmark::benchmark)
