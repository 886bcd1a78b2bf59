#!/usr/bin/env bash
# checksrc.sh - source checks that a tool can make (docs: STYLE.md sections 2, 3, 6, 9).
#
# Usage: tools/checksrc.sh [path/to/built/gatehouse]   (run from the repository root)
#
#  1. banned functions in src/ (strcpy, strcat, sprintf, vsprintf, strtok, atoi, atol, gets,
#     rand, srand), looked for in code with comments and string literals removed;
#  2. every quoted #include in src/ against the layer table below, and private headers
#     (<module>_int.h) used only by their own module;
#  3. third-party headers only in their adapters;
#  4. with a built binary: every global function our code defines starts with gh_ (or is
#     main / LLVMFuzzerTestOneInput), checked with nm on the build's libgh_*.a and the
#     gatehouse objects.
# Each finding is printed as file:line: message. Exit 1 if there is any, 0 otherwise.
# This script checks src/ only: tests may include anything.
set -u
export LC_ALL=C

if [ ! -d src ] || [ ! -f CMakeLists.txt ]; then
    echo "checksrc: run from the repository root" >&2
    exit 2
fi

findings=0
report() {
    echo "$1"
    findings=$((findings + 1))
}

mapfile -t files < <(find src -type f \( -name '*.c' -o -name '*.h' \) | sort)
if [ "${#files[@]}" -eq 0 ]; then
    echo "checksrc: no sources under src/" >&2
    exit 2
fi

# ---- 1. banned functions ---------------------------------------------------------------
# The awk program blanks comments and string/character literals but keeps line numbers,
# so that "no strcpy(" in a comment or a log message is not a finding.
strip_awk='
FNR == 1 { incomment = 0 }
{
    line = $0
    if (!incomment && line !~ /["\047\/]/) { print FILENAME ":" FNR ":" line; next }
    out = ""; i = 1; n = length(line)
    while (i <= n) {
        c = substr(line, i, 1); c2 = substr(line, i, 2)
        if (incomment) {
            if (c2 == "*/") { incomment = 0; i += 2 } else i++
            continue
        }
        if (c2 == "/*") { incomment = 1; out = out " "; i += 2; continue }
        if (c2 == "//") break
        if (c == "\"" || c == "\047") {
            q = c; i++
            while (i <= n) {
                d = substr(line, i, 1)
                if (d == "\\") { i += 2; continue }
                i++
                if (d == q) break
            }
            out = out q q
            continue
        }
        out = out c; i++
    }
    print FILENAME ":" FNR ":" out
}'
banned='(^|[^A-Za-z0-9_])(strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|gets|rand|srand)[[:space:]]*\('
while IFS= read -r hit; do
    loc=${hit%%:*}
    rest=${hit#*:}
    lineno=${rest%%:*}
    code=${rest#*:}
    while IFS= read -r fn; do
        report "$loc:$lineno: banned function $fn()"
    done < <(printf '%s\n' "$code" | grep -oE "$banned" | sed -E 's/^[^A-Za-z0-9_]//; s/[[:space:]]*\($//')
done < <(awk "$strip_awk" "${files[@]}" | grep -E "^[^:]+:[0-9]+:.*$banned")

# ---- 2 and 3. includes ------------------------------------------------------------------
# module_of FILE sets MOD: src/store/sqlite/x.c -> store/sqlite; src/oauth/x.c -> oauth.
# (A variable, not an echo: a subshell per include would make the script slow.)
module_of() {
    local p=${1#src/}
    case "$p" in
    store/sqlite/* | store/mem/* | store/pg/*)
        p=${p#store/}
        MOD="store/${p%%/*}"
        ;;
    */*) MOD=${p%%/*} ;;
    *) MOD="" ;;
    esac
}

# allowed FROM TO: may a file of module FROM include header TO (path relative to src/)?
allowed() {
    local from=$1 hdr=$2 to
    module_of "src/$hdr"
    to=$MOD
    [ -z "$to" ] && return 1
    [ "$to" = "$from" ] && return 0
    case "$to" in
    store/sqlite | store/mem | store/pg)
        # Backends are picked by cmd only.
        [ "$from" = cmd ]
        return
        ;;
    esac
    case "$from" in
    base) return 1 ;;
    json) [[ $to == base ]] ;;
    jose | audit) [[ $to == base || $to == json ]] ;;
    config) [[ $to == base || $to == json ]] ;;
    store) [[ $to == base || $to == json || $to == jose || $to == audit ]] ;;
    store/sqlite | store/mem | store/pg) [[ $to == base || $to == json || $to == audit || $to == store ]] ;;
    oauth) [[ $to == base || $to == json || $to == jose || $to == audit || $to == config ||
        $hdr == store/store.h ]] ;;
    ui) [[ $to == base || $to == json || $to == jose || $to == audit || $to == config ||
        $to == oauth || $hdr == store/store.h ]] ;;
    http) [[ $to == base || $to == json || $to == jose || $to == audit || $to == config ||
        $to == oauth || $to == ui || $hdr == store/store.h ]] ;;
    cmd) return 0 ;;
    *) return 1 ;;
    esac
}

# third_party_ok FILE HEADER: is an angle-bracket (or quoted) third-party header allowed?
third_party_ok() {
    local f=$1 h=$2
    case "$h" in
    microhttpd.h) [[ $f == src/http/* ]] ;;
    sqlite3.h) [[ $f == src/store/sqlite/* ]] ;;
    libpq-fe.h) [[ $f == src/store/pg/* ]] ;;
    openssl/*) [[ $f == src/jose/* || $f == src/base/rand.c || $f == src/base/digest.c ]] ;;
    sodium.h | sodium/*) [[ $f == src/oauth/* ]] ;;
    yaml.h | cyaml/*) [[ $f == src/config/* ]] ;;
    *) return 0 ;;
    esac
}

while IFS= read -r hit; do
    f=${hit%%:*}
    rest=${hit#*:}
    lineno=${rest%%:*}
    text=${rest#*:}
    if [[ $text =~ \#[[:space:]]*include[[:space:]]*\<([^>]+)\> ]]; then
        h=${BASH_REMATCH[1]}
        third_party_ok "$f" "$h" || report "$f:$lineno: <$h> is not allowed in $f"
        continue
    fi
    [[ $text =~ \#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]] || continue
    h=${BASH_REMATCH[1]}
    if ! third_party_ok "$f" "$h"; then
        report "$f:$lineno: \"$h\" is not allowed in $f"
        continue
    fi
    module_of "$f"
    from=$MOD
    if [[ $h != */* ]]; then
        # A header next to the file: own module by construction, if it exists there.
        if [ ! -f "${f%/*}/$h" ]; then
            report "$f:$lineno: \"$h\" is not in ${f%/*}/; include it as \"<module>/$h\""
        fi
        continue
    fi
    if [ ! -f "src/$h" ]; then
        report "$f:$lineno: \"$h\" does not exist under src/"
        continue
    fi
    module_of "src/$h"
    to=$MOD
    if [[ $h == *_int.h && $to != "$from" ]]; then
        report "$f:$lineno: \"$h\" is private to $to"
        continue
    fi
    allowed "$from" "$h" || report "$f:$lineno: $from may not include \"$h\" (layer table)"
done < <(grep -nE '^[[:space:]]*#[[:space:]]*include' "${files[@]}")

# ---- 4. exported symbols ---------------------------------------------------------------
if [ $# -ge 1 ] && [ -n "$1" ]; then
    bin=$1
    if [ ! -f "$bin" ]; then
        echo "checksrc: $bin: no such file" >&2
        exit 2
    fi
    if ! command -v nm >/dev/null 2>&1; then
        echo "checksrc: nm not found" >&2
        exit 2
    fi
    bdir=$(dirname "$bin")
    mapfile -t objs < <(
        find "$bdir" -maxdepth 1 -name 'libgh_*.a' 2>/dev/null
        find "$bdir/CMakeFiles/gatehouse.dir" -name '*.o' 2>/dev/null
    )
    if [ "${#objs[@]}" -gt 0 ]; then
        # "T" = a global function defined in this object. The archive member names the file.
        while read -r obj sym; do
            report "$obj: exported function $sym does not start with gh_"
        done < <(nm -A -g --defined-only "${objs[@]}" 2>/dev/null |
            awk 'NF >= 3 && $(NF-1) == "T" {
                     obj = $1; sub(/:[^:]*$/, "", obj); sym = $NF
                     if (sym !~ /^gh_/ && sym != "main" && sym != "LLVMFuzzerTestOneInput")
                         print obj, sym
                 }')
    else
        # No build tree next to the binary: check the binary itself, skipping the C
        # runtime's and the sanitizers' own entry points.
        while read -r sym; do
            report "$bin: exported function $sym does not start with gh_"
        done < <(nm -g --defined-only "$bin" 2>/dev/null |
            awk 'NF >= 3 && $(NF-1) == "T" { print $NF }' |
            grep -vE '^(gh_|main$|LLVMFuzzerTestOneInput$|_start$|_init$|_fini$|__libc_csu_|_dl_relocate_static_pie$|__(a|ub|l|t|m)san|__sanitizer|__interceptor|__cxa_|_ITM_|__gmon_start__|__bss_start|_edata|_end)')
    fi
fi

if [ "$findings" -gt 0 ]; then
    echo "checksrc: $findings finding(s)" >&2
    exit 1
fi
exit 0
