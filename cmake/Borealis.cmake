# borealis_module(NAME DEPS dep...): a static library from the .cc files of
# src/borealis/NAME (tests excluded), and one test binary from its *_test.cc files.
function(borealis_module name)
  cmake_parse_arguments(M "" "" "DEPS;TEST_DEPS" ${ARGN})
  set(dir ${CMAKE_CURRENT_SOURCE_DIR}/${name})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${dir}/*.cc)
  file(GLOB_RECURSE tests CONFIGURE_DEPENDS ${dir}/*_test.cc)
  if(tests)
    list(REMOVE_ITEM srcs ${tests})
  endif()
  if(srcs)
    add_library(borealis_${name} STATIC ${srcs})
    target_link_libraries(borealis_${name} PUBLIC ${M_DEPS})
  else()
    add_library(borealis_${name} INTERFACE)
    target_link_libraries(borealis_${name} INTERFACE ${M_DEPS})
  endif()
  if(srcs)
    target_include_directories(borealis_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  else()
    target_include_directories(borealis_${name} INTERFACE ${PROJECT_SOURCE_DIR}/src)
  endif()
  if(tests)
    add_executable(${name}_test ${tests})
    target_link_libraries(${name}_test PRIVATE borealis_${name} borealis_testing ${M_TEST_DEPS}
                          GTest::gmock GTest::gtest GTest::gtest_main)
    gtest_discover_tests(${name}_test DISCOVERY_MODE PRE_TEST
                         PROPERTIES LABELS unit TIMEOUT 120)
  endif()
endfunction()

# borealis_link_lean(TARGET LIBS lib...): links TARGET, a binary that runs once per task
# (the executor), for a small resident footprint (docs/BENCHMARKS.md, "Executor
# overhead"). LIBS are the borealis module libraries it needs, listed so that each comes
# before the modules it depends on; they are linked first, followed by Abseil from
# Debian's static archives (libabsl_*.a, in one group so their order does not matter)
# instead of ~30 shared libraries, and with --as-needed the shared Abseil libraries the
# modules name drop out. libstdc++ and libgcc are linked statically and unused sections
# are dropped (every object is compiled with -ffunction-sections -fdata-sections). glibc
# stays shared: getpwnam and getgrouplist (run as the role's user) need NSS. The test
# `lean_executor_linkage` checks that only glibc is loaded.
function(borealis_link_lean target)
  cmake_parse_arguments(L "" "" "LIBS" ${ARGN})
  get_target_property(absl_base absl::base LOCATION)
  get_filename_component(absl_dir "${absl_base}" DIRECTORY)
  file(GLOB absl_archives "${absl_dir}/libabsl_*.a")
  if(NOT absl_archives)
    message(FATAL_ERROR "no libabsl_*.a beside ${absl_base} (Debian's libabsl-dev has them)")
  endif()
  target_link_libraries(${target} PRIVATE ${L_LIBS}
                        "-Wl,--start-group" ${absl_archives} "-Wl,--end-group")
  target_link_options(${target} PRIVATE -static-libstdc++ -static-libgcc
                      LINKER:--as-needed LINKER:--gc-sections)
endfunction()
