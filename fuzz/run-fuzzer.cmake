# Run one fuzz target for SECONDS over a scratch copy of its seed corpus
# (the ctest fuzz-<target>); fail on any finding.  The target's own output
# (bad specs are logged on stderr) goes to WORK/log, whose tail is shown on failure.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/corpus)
if(EXISTS ${SEEDS})
  file(GLOB seeds ${SEEDS}/*)
  if(seeds)
    file(COPY ${seeds} DESTINATION ${WORK}/corpus)
  endif()
endif()
execute_process(COMMAND ${FUZZER} ${DICT} -max_total_time=${SECONDS} -timeout=20
  -rss_limit_mb=2560 -print_final_stats=1 -artifact_prefix=${WORK}/ ${WORK}/corpus
  RESULT_VARIABLE rc OUTPUT_FILE ${WORK}/log ERROR_FILE ${WORK}/log)
file(STRINGS ${WORK}/log lines REGEX "^(#[0-9]+ +DONE|stat::number_of_executed_units|FUZZ CHECK|SUMMARY|==[0-9]+==ERROR)")
foreach(l ${lines})
  message("${l}")
endforeach()
if(NOT rc EQUAL 0)
  file(READ ${WORK}/log log)
  string(LENGTH "${log}" len)
  if(len GREATER 6000)
    math(EXPR from "${len} - 6000")
    string(SUBSTRING "${log}" ${from} -1 log)
  endif()
  message(FATAL_ERROR "${log}\n${FUZZER} found something (exit ${rc}); the input is in ${WORK}/")
endif()
