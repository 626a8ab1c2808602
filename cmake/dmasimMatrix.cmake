# dmasim_add_matrix_test(NAME <name> COMMAND <command> [<arg>...]
#                        [MACHINES <machine>...] [WORKING_DIRECTORY <dir>])
#
# Register one CTest test per named machine (lib/core/machines.def,
# `dmasim machines`): <name>@<machine>, run with DMASIM_SPEC set to the
# machine's spec words and DMASIM_MACHINE to its name, labelled
# dmasim-matrix.  MACHINES picks some of them (default: all).  A test fails
# when the command exits non-zero, as a plain add_test() would.
#
#   find_package(dmasim REQUIRED)
#   dmasim_add_matrix_test(NAME ring-tests COMMAND ring-tests)
function(dmasim_add_matrix_test)
  cmake_parse_arguments(A "" "NAME;WORKING_DIRECTORY" "COMMAND;MACHINES" ${ARGN})
  if(NOT A_NAME OR NOT A_COMMAND)
    message(FATAL_ERROR "dmasim_add_matrix_test: NAME and COMMAND are required")
  endif()
  if(A_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "dmasim_add_matrix_test: unexpected arguments: ${A_UNPARSED_ARGUMENTS}")
  endif()
  dmasim_read_machines(pairs "${DMASIM_MACHINES_DEF}")
  set(known "")
  foreach(pair ${pairs})
    string(FIND "${pair}" "=" eq)
    string(SUBSTRING "${pair}" 0 ${eq} machine)
    list(APPEND known ${machine})
  endforeach()
  foreach(m ${A_MACHINES})
    if(NOT m IN_LIST known)
      message(FATAL_ERROR "dmasim_add_matrix_test: no machine called '${m}' (machines: ${known})")
    endif()
  endforeach()
  foreach(pair ${pairs})
    string(FIND "${pair}" "=" eq)
    string(SUBSTRING "${pair}" 0 ${eq} machine)
    if(A_MACHINES AND NOT machine IN_LIST A_MACHINES)
      continue()
    endif()
    if(A_WORKING_DIRECTORY)
      add_test(NAME ${A_NAME}@${machine} COMMAND ${A_COMMAND} WORKING_DIRECTORY ${A_WORKING_DIRECTORY})
    else()
      add_test(NAME ${A_NAME}@${machine} COMMAND ${A_COMMAND})
    endif()
    set_tests_properties(${A_NAME}@${machine} PROPERTIES
      ENVIRONMENT "DMASIM_SPEC=machine=${machine};DMASIM_MACHINE=${machine}" LABELS dmasim-matrix)
  endforeach()
endfunction()
