# Helpers shared by every module's CMakeLists.txt.

# kestrel_module(NAME [DEPS lib...] [SOURCES extra...])
#   Builds lib<NAME> (target k<NAME>) from every .c file in the current folder
#   plus SOURCES (generated files), with warnings on and the project root on
#   the include path so headers are included as "module/header.h".
function(kestrel_module name)
    cmake_parse_arguments(M "" "" "DEPS;SOURCES;EXCLUDE" ${ARGN})
    file(GLOB srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.c)
    foreach(ex ${M_EXCLUDE})
        list(REMOVE_ITEM srcs ${CMAKE_CURRENT_SOURCE_DIR}/${ex})
    endforeach()
    add_library(k${name} STATIC ${srcs} ${M_SOURCES})
    target_include_directories(k${name} PUBLIC ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR})
    target_compile_options(k${name} PRIVATE ${KESTREL_WARNINGS})
    target_link_libraries(k${name} PUBLIC ${M_DEPS})
endfunction()

# kestrel_unit_test(NAME SOURCE [LIBS lib...])
#   One cmocka executable per source file under test, registered with ctest
#   under the label "unit". Executables land in build/tests/.
function(kestrel_unit_test name src)
    cmake_parse_arguments(T "" "TIMEOUT" "LIBS" ${ARGN})
    add_executable(${name} ${src})
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
    target_compile_options(${name} PRIVATE ${KESTREL_WARNINGS})
    target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
    set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
    add_test(NAME ${name} COMMAND ${name})
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 120)
    endif()
    set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT ${T_TIMEOUT}
        ENVIRONMENT "KESTREL_SHARED=${KESTREL_SHARED_DIR};KESTREL_SOURCE=${PROJECT_SOURCE_DIR};KESTREL_BUILD=${CMAKE_BINARY_DIR}")
endfunction()

# Where ../shared lives (TPC-H data, answers, sqllogictest corpora).
set(KESTREL_SHARED_DIR ${PROJECT_SOURCE_DIR}/../shared CACHE PATH "the shared material folder")
