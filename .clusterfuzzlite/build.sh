#!/bin/bash -eu
# ClusterFuzzLite's build step: the repository's own fuzz/build.sh.
"$SRC/dmasim/fuzz/build.sh"
