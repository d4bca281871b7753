#!/usr/bin/env bash
# vigil benchmark: vigil scan vs clamscan vs yara, same corpus, same rules.
#
#   bench/run.sh                      # 1 GiB corpus, sets 1000:100000 and 20000:1000000
#   bench/run.sh --size 256M --sets 1000:100000
#   VIGIL=/path/to/vigil bench/run.sh --update-docs
#   bench/run.sh --build-vigil ...    # build vigil in build-bench/ first
#
# Needs: python3 (standard library only), clamscan, yara, yarac, GNU time
# (/usr/bin/time). As root on Debian, missing packages (clamav, yara, time)
# are installed with apt-get. All other options are passed to bench/run.py
# (see `python3 bench/run.py --help`). Results: bench/out/latest.{md,json}.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"

if ! command -v python3 >/dev/null 2>&1; then
    echo "run.sh: python3 is required (Debian: apt-get install -y python3)" >&2
    exit 2
fi

need=()
command -v clamscan >/dev/null 2>&1 || need+=(clamav)
{ command -v yara >/dev/null 2>&1 && command -v yarac >/dev/null 2>&1; } || need+=(yara)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "run.sh: installing ${need[*]}" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y "${need[@]}" >&2
    else
        echo "run.sh: missing packages: ${need[*]} (apt-get install -y ${need[*]})" >&2
        exit 2
    fi
fi

args=()
for a in "$@"; do
    if [ "$a" = "--build-vigil" ]; then
        cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=Release -DVIGIL_TESTS=OFF >&2
        cmake --build "$root/build-bench" -j2 >&2
        export VIGIL="${VIGIL:-$root/build-bench/vigil}"
    else
        args+=("$a")
    fi
done

exec python3 "$here/run.py" "${args[@]+"${args[@]}"}"
