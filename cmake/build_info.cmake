# The version and git revision the binaries report with --version, captured when CMake
# configures the tree (a commit made later shows up after the next configure).
find_package(Git QUIET)
set(FERRY_GIT_REVISION "unknown")
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${PROJECT_SOURCE_DIR} rev-parse --short=12 HEAD
                  OUTPUT_VARIABLE rev OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE rc)
  if(rc EQUAL 0 AND rev)
    set(FERRY_GIT_REVISION ${rev})
    execute_process(COMMAND ${GIT_EXECUTABLE} -C ${PROJECT_SOURCE_DIR} status --porcelain --untracked-files=no
                    OUTPUT_VARIABLE changes OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(changes)
      string(APPEND FERRY_GIT_REVISION "-dirty")
    endif()
  endif()
endif()
# Reconfigure when HEAD moves (its reflog grows with every commit and checkout), so a
# rebuild after a commit reports the new revision.
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${PROJECT_SOURCE_DIR} rev-parse --absolute-git-dir
                  OUTPUT_VARIABLE git_dir OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(git_dir AND EXISTS ${git_dir}/logs/HEAD)
    set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${git_dir}/logs/HEAD)
  endif()
endif()
message(STATUS "Ferry ${PROJECT_VERSION} (git ${FERRY_GIT_REVISION})")
configure_file(${PROJECT_SOURCE_DIR}/common/app/build_info.cc.in
               ${PROJECT_BINARY_DIR}/generated/common/app/build_info.cc @ONLY)
