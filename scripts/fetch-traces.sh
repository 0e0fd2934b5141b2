#!/usr/bin/env bash
# Fetches the public traces that gpufleet's tests, benchmarks and docs use into data/traces/
# (or --dest / $GPUFLEET_TRACES), each file pinned to an upstream commit and checked against
# a SHA-256, or copies them from a local folder with --from (CI and offline machines).
# Run with --help for usage. docs/traces.md says what each trace is and its terms of use.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/fetch-traces.sh [--from DIR] [--dest DIR] [--help]

Puts every trace file gpufleet uses into DEST/<folder>/<file>, checked against the SHA-256
recorded in this script. Files already there with the right hash are left alone.

  --from DIR   copy from a local folder laid out like DEST (e.g. ../shared/traces)
               instead of downloading from GitHub
  --dest DIR   where to put the traces
               (default: $GPUFLEET_TRACES if set, else data/traces in the repository)
  -h, --help   show this help

Relative DIRs are taken from the current directory. Exit status: 0 when every file is in
place and verified, 1 when any file failed, 2 for a usage error.
USAGE
}

# One row per file: where it goes under DEST, and where it comes from upstream. Commits are
# full hashes so a moved branch or tag can never change the bytes; the SHA-256 values are
# those of the reference copies (../shared/traces), which equal the upstream blobs at these
# commits. None of these paths is a Git LFS pointer at its commit, so raw.githubusercontent
# serves the real bytes (an LFS pointer would fail the hash check rather than slip through).
# HeliosData has two commits: its README is the newer one's (159f0cae, which the reference
# copy matches), while the CSV comes from 50b76317, the last commit holding it as a plain
# file (159f0cae replaced data/ with data.zip). Upstream names differ from ours for the two
# helios-venus-2020 CSVs; the folder/file names follow ../shared/traces.
# dest (folder/file)  upstream repo  commit  upstream path  sha256
TRACES='
alibaba-gpu-v2023/openb_node_list_all_node.csv             alibaba/clusterdata                 7a6c496e4f4b6ce6150be8f881cb051bf2abff42  cluster-trace-gpu-v2023/csv/openb_node_list_all_node.csv       5a85c2af79c66a1efff8bbcbda430400aae56d8431370d738480967e1a9c6b15
alibaba-gpu-v2023/openb_node_list_gpu_node.csv             alibaba/clusterdata                 7a6c496e4f4b6ce6150be8f881cb051bf2abff42  cluster-trace-gpu-v2023/csv/openb_node_list_gpu_node.csv       2beca64b4d3dfa342036a34b56a495c6cef9225db836c81f541282cb1df320b5
alibaba-gpu-v2023/openb_pod_list_default.csv               alibaba/clusterdata                 7a6c496e4f4b6ce6150be8f881cb051bf2abff42  cluster-trace-gpu-v2023/csv/openb_pod_list_default.csv         1ee7ed79c27a3b0861cda8ddba86a004c6aba904caafa329a76ae93ca63834a8
alibaba-gpu-v2023/openb_pod_list_gpuspec33.csv             alibaba/clusterdata                 7a6c496e4f4b6ce6150be8f881cb051bf2abff42  cluster-trace-gpu-v2023/csv/openb_pod_list_gpuspec33.csv       eca4f746db1e5b25864ad021b55ece3943e101a3ebd4574d09dcb95c46117652
alibaba-gpu-v2023/README.md                                alibaba/clusterdata                 7a6c496e4f4b6ce6150be8f881cb051bf2abff42  cluster-trace-gpu-v2023/README.md                              4445ce29c045d3281f857f25c392b78880658978ea4fc420ec3f5b4bf621bc80
azure-llm-inference-2023/AzureLLMInferenceDataset2023.md   Azure/AzurePublicDataset            b469a113cedca53ddc3bdea71a143dc4b7d8700c  AzureLLMInferenceDataset2023.md                                9996a0d9e4d94ee52bc3564a33f51e172a34f4a58960a05f066a2b8061f9a1e0
azure-llm-inference-2023/AzureLLMInferenceDataset2024.md   Azure/AzurePublicDataset            b469a113cedca53ddc3bdea71a143dc4b7d8700c  AzureLLMInferenceDataset2024.md                                e63b1037da03bccd73cdcab0c4cad4dda3caf5bc06545e5d9bfb3dc4bdd51d09
azure-llm-inference-2023/AzureLLMInferenceTrace_code.csv   Azure/AzurePublicDataset            b469a113cedca53ddc3bdea71a143dc4b7d8700c  data/AzureLLMInferenceTrace_code.csv                           54e9a6d2a4bd06ba1e060304b900abbc74cbea53de96506e60fe5bb4f2277fb6
alibaba-servegen-2025/README.md                            alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  README.md                                                      8767244878c20c6318c12b7fe700cbf399f6bde15430fa27ad2ac9b6e07cc639
alibaba-servegen-2025/LICENSE                              alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  LICENSE                                                        c71d239df91726fc519c6eb72d318ec65820627232b2f796219e87dcf35d0ab4
alibaba-servegen-2025/m-small/chunk-0-trace.csv            alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-0-trace.csv                        9eb23fb96b414a053c4ab91faf21cce1ab58b7318fcb29b1a1c2389cd507ed74
alibaba-servegen-2025/m-small/chunk-1-trace.csv            alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-1-trace.csv                        a36ec48642134c04e66c9fc61e02ef2bb8cd96fedfd2e9b8cc11ae173a97f7a2
alibaba-servegen-2025/m-small/chunk-2-trace.csv            alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-2-trace.csv                        642abb6ed02fe861bbe8a3d2e6b8abcc5d1c11049030fdf5856389616e3a330b
alibaba-servegen-2025/m-small/chunk-3-trace.csv            alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-3-trace.csv                        428bd0364cac479d3f94e49bf7ed3c15b7cc3da1564b79110da7348108d47563
alibaba-servegen-2025/m-small/chunk-4-trace.csv            alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-4-trace.csv                        66a78afdc8cc03a979baaa8083498c8a50c38c771561059f363ce95f00e6f1f9
alibaba-servegen-2025/m-small/chunk-5-trace.csv            alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-5-trace.csv                        54a61d1d058bdd778c4b637475c23958622ee9a1cfb7f03820d33e193966fbe4
alibaba-servegen-2025/m-small/chunk-6-trace.csv            alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-6-trace.csv                        ecd1edca59c5d8ee6ea5215c5a1aaf32a36e93cbc9f54c1a1d6c915b24afb218
alibaba-servegen-2025/m-small/chunk-7-trace.csv            alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-7-trace.csv                        787480c7b1ff1f8058ddf7d239bca7dcb5d053aa5151288ccf66f067f41771f5
alibaba-servegen-2025/m-small/chunk-8-trace.csv            alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-8-trace.csv                        32c3e5a55e4288f5d821899cd2e043d0e95e7a1af21a57c3ffe6bdfd710da4f2
alibaba-servegen-2025/m-small/chunk-9-trace.csv            alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-9-trace.csv                        a4fa0612e1f8d226966d3615def8c91d8f2e266e2647cf00154b27280d595897
alibaba-servegen-2025/m-small/chunk-10-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-10-trace.csv                       a3ff3592eb240c4ce1c246a80da383033caf5586b13457257bb41a9bb2eeda89
alibaba-servegen-2025/m-small/chunk-11-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-11-trace.csv                       777950ccaca95e07e6950dc9e0dbbf887cfe5c156bb05226d5c4c71a2ef8c6d2
alibaba-servegen-2025/m-small/chunk-12-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-12-trace.csv                       10b7bb8076afb7afe13a40d3fbf84143966f4015b8e994b6241ee4d72f168ada
alibaba-servegen-2025/m-small/chunk-13-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-13-trace.csv                       933f841df7b07ed6c5781dd66615686fd23399622f003825f373e69915f3d0e4
alibaba-servegen-2025/m-small/chunk-14-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-14-trace.csv                       36adfa4945b82c74fa3db9c92efb7d2808ba2d680493aba4ee07dd2c049fc9ea
alibaba-servegen-2025/m-small/chunk-15-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-15-trace.csv                       d8cb7e2e452cd9fc30a87e4040eed5f9130a1ca55a5a480334d2d1646308af04
alibaba-servegen-2025/m-small/chunk-16-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-16-trace.csv                       847697979aa48a5d4f20ad80bd42de7e440819570358d81dccbc8c643b16086b
alibaba-servegen-2025/m-small/chunk-17-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-17-trace.csv                       62fea938a029643d7ebda07c85d3b8d56fa92a0d99524e4c99677d3eedaa569f
alibaba-servegen-2025/m-small/chunk-18-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-18-trace.csv                       33269863b0e24844e3d74672968395348830fc085a0c4d95b68288ab509604a7
alibaba-servegen-2025/m-small/chunk-19-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-19-trace.csv                       f8d5960d2ff893b2b481985f186ad75f4cbb1de486e53eb32978f8fb751dc0dd
alibaba-servegen-2025/m-small/chunk-20-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-20-trace.csv                       ff5ffef9f771fba6400b1bc9c379e37ee225d4405c0c322347536be9298195ba
alibaba-servegen-2025/m-small/chunk-21-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-21-trace.csv                       9542ea820c0f4cbbc123884a35fa47e62c3d08064883cc82dd09dc8f8e32e994
alibaba-servegen-2025/m-small/chunk-22-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-22-trace.csv                       d4ced2d8db99a494cb78aceb9186ecaf46b5efc839bb5e7d66181ecfa917f1db
alibaba-servegen-2025/m-small/chunk-23-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-23-trace.csv                       7cac12e79038c2dd0183e02cd3f567233adb524d7339f7c799210b174da67650
alibaba-servegen-2025/m-small/chunk-24-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-24-trace.csv                       449359e950c82c5b15e7164db5a015f35abd682d0c6f9d4eaf2395f46e8a9cdb
alibaba-servegen-2025/m-small/chunk-25-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-25-trace.csv                       b37b679fe75153100d56311f5c0d88defd11d88e367652d3d3e0d504344870f9
alibaba-servegen-2025/m-small/chunk-26-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-26-trace.csv                       e563f6cd70bc95e17188d7ad02d5a506b31ff5954b9715fa6a5e801f342b4cc6
alibaba-servegen-2025/m-small/chunk-27-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-27-trace.csv                       aef519b50a285baa66abac43c2e6facf3a1e883522d24701ae8b8a28b5b0519f
alibaba-servegen-2025/m-small/chunk-28-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-28-trace.csv                       f35e26566bdeeb7f93c69d6363b8ee1b49e8dd003934e68699e5def9dc3b9296
alibaba-servegen-2025/m-small/chunk-29-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-29-trace.csv                       7cf30a4a73e124b67acdcb5169b9e81d2fca54183a390272baf4fde9538b902c
alibaba-servegen-2025/m-small/chunk-30-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-30-trace.csv                       c6662f1f99eff179f514c7e58776bd625f871db2733d2412360265a8a3f3b33d
alibaba-servegen-2025/m-small/chunk-31-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-31-trace.csv                       7c1f4c77a5223564a0320bba17e935c5baabb31714970f3b8d0c3eebd0911e86
alibaba-servegen-2025/m-small/chunk-32-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-32-trace.csv                       ea961a28fa800866bf4b5311c82339174c5a37440f86884d381bbabe6530db5c
alibaba-servegen-2025/m-small/chunk-33-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-33-trace.csv                       b9e53e529c4658db76c204bcc48a25f19896a4c95b80e1bd6a54570db70c4bdb
alibaba-servegen-2025/m-small/chunk-34-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-34-trace.csv                       239e9026dea8a3f1b857e5c832b0725061cefec0686aae5ec85c8d9cf1baf1b4
alibaba-servegen-2025/m-small/chunk-35-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-35-trace.csv                       1556f80d55b55d0678fe33a6275d0c60b4a2790c057d7960daea722668eab1a3
alibaba-servegen-2025/m-small/chunk-36-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-36-trace.csv                       baf216727556186f8c95b269887197560b611e48d665a14fbaae0e39a0f36805
alibaba-servegen-2025/m-small/chunk-37-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-37-trace.csv                       219865520367e6ea702f25f9008350f6de355e0e3ef254a95e775aad8652b4a7
alibaba-servegen-2025/m-small/chunk-38-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-38-trace.csv                       2402b90286efb9b04864084ccf58e7cf204e442f1b4ac15fabdd8e254d8e35d0
alibaba-servegen-2025/m-small/chunk-39-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-39-trace.csv                       8f1a93d4b33792889ee014b6f408c2c4e00676fa7be6a47089d03b1713e8f90a
alibaba-servegen-2025/m-small/chunk-40-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-40-trace.csv                       925f9d39787748fff36493bac1d2b0429717be52ed2fe396fdeabc430017943a
alibaba-servegen-2025/m-small/chunk-41-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-41-trace.csv                       af3045c2bd1b8db37083e05ffda4812c956eaf1f5a7e45b1426ff561d290a6e7
alibaba-servegen-2025/m-small/chunk-42-trace.csv           alibaba/ServeGen                    f891d1189eb32b3868dfc443800c4150548c282a  data/language/m-small/chunk-42-trace.csv                       e58d2bf183d4ac7e410bc85fa9876920aa2652ff43825e8de0534dd545d7186a
helios-venus-2020/README.md                                S-Lab-System-Group/HeliosData       159f0caeec16600b9b6017862952a36aae01c43f  README.md                                                      370b3a365bbe05e81ca44464f6e8776b41b36fc00c355b0e9424bfa74103c4eb
helios-venus-2020/Venus_cluster_gpu_number.csv             S-Lab-System-Group/HeliosData       50b7631750b9b6a8079259cccf17bde7981ae315  data/Venus/cluster_gpu_number.csv                              08c05fc4d2ac94aceb43f2bfd28d731a089df8e9bb7c3412d2bd211cab2ed57c
helios-venus-2020/Venus_cluster_throughput_from_Lucid.csv  S-Lab-System-Group/Lucid            63685a3ab7d15d8e940bb47ef98b6d5cca472b13  simulation/data/Venus/cluster_throughput.csv                   69642494d5f3cb9dff382de90ce1b2fac6c53f63c765e0c3eed9741cb20d4674
pwa-swf/NASA-iPSC-1993-3.1-cln.swf.gz                      cloudsimplus/cloudsimplus-examples  4394086de1dee68fd5d96cf818f92410bb660dfd  src/main/resources/workload/swf/NASA-iPSC-1993-3.1-cln.swf.gz  5589ae9b2fb78e3bf92de097497cf33a91607de1ad54563e43533f7827597f29
'

LICENCE_NOTE="These traces are public data published by others, each under its own licence or
terms (see the README/LICENSE in each folder and docs/traces.md); most allow research or
study use only. Never commit them to this repository (data/ is git-ignored)."

die_usage() { echo "fetch-traces: $*" >&2; echo "Try scripts/fetch-traces.sh --help" >&2; exit 2; }

# Resolve user-given paths against the caller's directory before we cd to the repo root,
# so `--dest /tmp/x` and `--dest ../x` both mean what the caller typed.
absolute() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }

from=""
dest=""
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --from|--dest)
      if [ $# -lt 2 ] || [ -z "$2" ]; then die_usage "$1 needs a directory"; fi
      if [ "$1" = --from ]; then from=$(absolute "$2"); else dest=$(absolute "$2"); fi
      shift 2 ;;
    --from=*) from=$(absolute "${1#*=}"); shift ;;
    --dest=*) dest=$(absolute "${1#*=}"); shift ;;
    *) die_usage "unknown option or argument: $1" ;;
  esac
done
if [ -z "$dest" ] && [ -n "${GPUFLEET_TRACES:-}" ]; then dest=$(absolute "$GPUFLEET_TRACES"); fi

cd "$(dirname "$0")/.."
dest=${dest:-$PWD/data/traces}

if [ -n "$from" ] && [ ! -d "$from" ]; then
  echo "fetch-traces: --from directory not found: $from" >&2
  exit 1
fi

# sha256sum is GNU coreutils; macOS ships shasum instead.
if command -v sha256sum >/dev/null 2>&1; then
  sha256_of() { sha256sum -- "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
  sha256_of() { shasum -a 256 -- "$1" | cut -d' ' -f1; }
else
  echo "fetch-traces: need sha256sum or shasum to verify the files" >&2
  exit 1
fi

# Retries and timeouts because raw.githubusercontent.com occasionally drops or stalls a
# connection; -f so an HTTP error page is never saved as if it were the file.
if [ -z "$from" ]; then
  if command -v curl >/dev/null 2>&1; then
    download() {
      curl -fsSL --connect-timeout 20 --max-time 600 --retry 3 --retry-delay 2 -o "$2" "$1"
    }
  elif command -v wget >/dev/null 2>&1; then
    download() { wget -q --timeout=60 --tries=3 --waitretry=2 -O "$2" "$1"; }
  else
    echo "fetch-traces: need curl or wget to download (or use --from DIR)" >&2
    exit 1
  fi
fi

mkdir -p "$dest"
# Copying a folder onto itself would truncate a file before reading it.
if [ -n "$from" ] && [ "$(cd "$from" && pwd -P)" = "$(cd "$dest" && pwd -P)" ]; then
  die_usage "--from and --dest are the same directory: $dest"
fi

echo "$LICENCE_NOTE"
echo

# The partial file of an interrupted transfer must not outlive the script.
partial=""
trap 'if [ -n "$partial" ]; then rm -f -- "$partial"; fi' EXIT

# Per-folder tallies in parallel indexed arrays (bash 3.2 on macOS has no associative ones).
folders=()
n_new=()
n_same=()
n_bad=()
folder_index() {
  idx=0
  while [ "$idx" -lt ${#folders[@]} ]; do
    if [ "${folders[$idx]}" = "$1" ]; then return; fi
    idx=$((idx + 1))
  done
  folders+=("$1"); n_new+=(0); n_same+=(0); n_bad+=(0)
}

if [ -n "$from" ]; then verb=copied; else verb=fetched; fi
total=0 new=0 same=0 bad=0

# Puts one file in place; returns non-zero (after saying why on stderr) when it cannot.
get_one() {
  local rel=$1 repo=$2 commit=$3 path=$4 want=$5
  local target="$dest/$rel" got src url
  if [ -f "$target" ]; then
    got=$(sha256_of "$target")
    if [ "$got" = "$want" ]; then return 3; fi   # 3: already up to date
    echo "fetch-traces: $rel: existing file has the wrong SHA-256 ($got), replacing it" >&2
  fi
  mkdir -p "$(dirname "$target")"
  # Write beside the target so the final mv is a rename on one file system: readers
  # (tests) see either the old file or the whole verified new one, never a partial one.
  partial="$target.part.$$"
  rm -f -- "$partial"
  if [ -n "$from" ]; then
    src="$from/$rel"
    if [ ! -f "$src" ]; then
      echo "fetch-traces: $rel: missing in --from folder: $src" >&2
      return 1
    fi
    # cat, not cp: the reference copies are read-only and the copy should not be.
    if ! cat -- "$src" > "$partial"; then
      echo "fetch-traces: $rel: could not copy $src" >&2
      return 1
    fi
  else
    url="https://raw.githubusercontent.com/$repo/$commit/$path"
    if ! download "$url" "$partial"; then
      echo "fetch-traces: $rel: download failed: $url" >&2
      return 1
    fi
  fi
  got=$(sha256_of "$partial")
  if [ "$got" != "$want" ]; then
    echo "fetch-traces: $rel: SHA-256 mismatch, not kept" >&2
    echo "  expected $want" >&2
    echo "  actual   $got" >&2
    return 1
  fi
  mv -f -- "$partial" "$target"
  partial=""
  echo "$verb $rel"
}

while read -r rel repo commit path want <&3; do
  case $rel in ''|'#'*) continue ;; esac
  folder=${rel%%/*}
  folder_index "$folder"
  total=$((total + 1))
  rc=0
  get_one "$rel" "$repo" "$commit" "$path" "$want" || rc=$?
  case $rc in
    0) new=$((new + 1));   n_new[idx]=$((n_new[idx] + 1)) ;;
    3) same=$((same + 1)); n_same[idx]=$((n_same[idx] + 1)) ;;
    *) bad=$((bad + 1));   n_bad[idx]=$((n_bad[idx] + 1))
       # A known-bad file must not stay where tests would pick it up as real data.
       if [ -n "$partial" ]; then rm -f -- "$partial"; partial=""; fi
       if [ -f "$dest/$rel" ] && [ "$(sha256_of "$dest/$rel")" != "$want" ]; then
         rm -f -- "$dest/$rel"
         echo "fetch-traces: $rel: removed the stale copy with the wrong SHA-256" >&2
       fi ;;
  esac
done 3<<<"$TRACES"

echo
i=0
while [ "$i" -lt ${#folders[@]} ]; do
  files=$((n_new[i] + n_same[i] + n_bad[i]))
  if [ "${n_bad[$i]}" -gt 0 ]; then
    status="FAILED (${n_bad[$i]} of $files files)"
  elif [ "${n_new[$i]}" -gt 0 ]; then
    status="$verb (${n_new[$i]} $verb, ${n_same[$i]} up to date)"
  else
    status="ok (all $files up to date)"
  fi
  printf '  %-26s %s\n' "${folders[$i]}" "$status"
  i=$((i + 1))
done
echo "fetch-traces: $total files in $dest: $new $verb, $same up to date, $bad failed"
[ "$bad" -eq 0 ]
