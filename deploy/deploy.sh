#!/usr/bin/env bash
# Builds, packages and deploys ruchy-lambda examples to AWS Lambda (provided.al2023) with the
# AWS CLI v2. Idempotent: creates what is missing, updates what exists.
set -euo pipefail
shopt -s inherit_errexit

usage() {
    cat <<'EOF'
Usage: deploy/deploy.sh [options] EXAMPLE...

Builds and packages each example, creates the execution role if it is missing, then creates or
updates one Lambda function per example and prints its ARN on standard output (one per line).

Function name: <prefix>-<example>-<arch>, e.g. ruchy-lambda-minimal-arm64.
Zip layout (written by `ruchy-lambda-local package`):
  x86_64  target/lambda/<example>/bootstrap.zip
  arm64   target/lambda/<example>-arm64/bootstrap.zip

Options:
  --arch x86_64|arm64     instruction set (default: x86_64); arm64 cross-builds for
                          aarch64-unknown-linux-gnu
  --memory MB             memory size, 128 to 10240 (default: 128)
  --timeout SECONDS       function timeout, 1 to 900 (default: 30)
  --region REGION         AWS region (default: the AWS CLI's configured region)
  --role-name NAME        execution role, created if missing (default: ruchy-lambda-execution)
  --function-prefix P     function name prefix (default: ruchy-lambda)
  --skip-build            deploy the zips already in target/lambda
  --zip FILE              deploy this zip (one example only; implies --skip-build)
  --dry-run               print the cargo and aws commands instead of running them; lookups are
                          taken to find nothing, so the printed plan is the create path
  -h, --help              show this help

Environment:
  RUCHY_LAMBDA_ZIP_DIR    where the package command writes zips (default: <repo>/target/lambda)
  RUCHY_LAMBDA_RETRY_SLEEP  seconds between retries while a new role propagates (default: 5)
EOF
}

die() {
    echo "deploy.sh: $*" >&2
    exit 1
}

log() {
    echo "==> $*" >&2
}

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ZIP_DIR=${RUCHY_LAMBDA_ZIP_DIR:-$ROOT/target/lambda}
RETRY_SLEEP=${RUCHY_LAMBDA_RETRY_SLEEP:-5}
ARCH=x86_64
MEMORY=128
TIMEOUT=30
REGION=""
ROLE_NAME=ruchy-lambda-execution
PREFIX=ruchy-lambda
SKIP_BUILD=0
ZIP_FILE=""
DRY_RUN=0
EXAMPLES=()

need_value() {
    [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value (see --help)"
}

while [[ $# -gt 0 ]]; do
    case $1 in
        --arch) need_value "$@"; ARCH=$2; shift 2 ;;
        --memory) need_value "$@"; MEMORY=$2; shift 2 ;;
        --timeout) need_value "$@"; TIMEOUT=$2; shift 2 ;;
        --region) need_value "$@"; REGION=$2; shift 2 ;;
        --role-name) need_value "$@"; ROLE_NAME=$2; shift 2 ;;
        --function-prefix) need_value "$@"; PREFIX=$2; shift 2 ;;
        --skip-build) SKIP_BUILD=1; shift ;;
        --zip) need_value "$@"; ZIP_FILE=$2; SKIP_BUILD=1; shift 2 ;;
        --dry-run) DRY_RUN=1; shift ;;
        -h | --help) usage; exit 0 ;;
        --) shift; EXAMPLES+=("$@"); break ;;
        -*) die "unknown option: $1 (see --help)" ;;
        *) EXAMPLES+=("$1"); shift ;;
    esac
done

[[ ${#EXAMPLES[@]} -gt 0 ]] || die "name at least one example, e.g. deploy/deploy.sh minimal (see --help)"
case $ARCH in
    x86_64) TARGET="" ;;
    arm64) TARGET=aarch64-unknown-linux-gnu ;;
    *) die "--arch must be x86_64 or arm64, not '$ARCH'" ;;
esac
# A whole number from $2 to $3 (leading zeros read as decimal).
in_range() {
    [[ $1 =~ ^[0-9]{1,6}$ ]] && ((10#$1 >= $2 && 10#$1 <= $3))
}
in_range "$MEMORY" 128 10240 ||
    die "--memory must be a whole number of MB from 128 to 10240, not '$MEMORY'"
in_range "$TIMEOUT" 1 900 ||
    die "--timeout must be a whole number of seconds from 1 to 900, not '$TIMEOUT'"
MEMORY=$((10#$MEMORY))
TIMEOUT=$((10#$TIMEOUT))
for example in "${EXAMPLES[@]}"; do
    [[ $example =~ ^[A-Za-z0-9_-]+$ ]] || die "example names are letters, digits, '-' and '_': '$example'"
    ((${#PREFIX} + ${#example} + ${#ARCH} + 2 <= 64)) || die "function name for '$example' is over 64 characters"
done
if [[ -n $ZIP_FILE ]]; then
    [[ ${#EXAMPLES[@]} -eq 1 ]] || die "--zip deploys one example only"
    [[ -f $ZIP_FILE || $DRY_RUN -eq 1 ]] || die "no such zip: $ZIP_FILE"
fi

AWS=(aws)
if [[ -n $REGION ]]; then
    AWS+=(--region "$REGION")
fi
export AWS_PAGER=""

# Dry-run output goes to the original standard output even from inside $(...).
exec 3>&1
print_command() {
    printf '+' >&3
    printf ' %q' "$@" >&3
    printf '\n' >&3
}

# Runs a command, or prints it in dry-run mode.
run() {
    if ((DRY_RUN)); then
        print_command "$@"
        return 0
    fi
    "$@"
}

# Runs a lookup whose "not found" error is expected. Prints the command's output and returns 0
# when it succeeds, returns $NOT_FOUND when the error names $1 (the not-found code), and fails
# with 1 on any other error. In dry-run mode, prints the command and returns $NOT_FOUND.
NOT_FOUND=3
lookup() {
    local not_found=$1 err status=0 out
    shift
    if ((DRY_RUN)); then
        print_command "$@"
        return "$NOT_FOUND"
    fi
    err=$(mktemp)
    out=$("$@" 2>"$err") || status=$?
    if ((status == 0)); then
        rm -f "$err"
        printf '%s\n' "$out"
        return 0
    fi
    if grep -q "$not_found" "$err"; then
        rm -f "$err"
        return "$NOT_FOUND"
    fi
    cat "$err" >&2
    rm -f "$err"
    die "'$*' failed (exit $status)"
}

zip_path() {
    if [[ -n $ZIP_FILE ]]; then
        printf '%s\n' "$ZIP_FILE"
    elif [[ $ARCH == arm64 ]]; then
        printf '%s\n' "$ZIP_DIR/$1-arm64/bootstrap.zip"
    else
        printf '%s\n' "$ZIP_DIR/$1/bootstrap.zip"
    fi
}

build() {
    local example=$1 zip
    zip=$(zip_path "$example")
    local package=(cargo run -p ruchy-lambda-local --release -- package --example "$example")
    if [[ -z $TARGET ]]; then
        log "building and packaging $example for x86_64"
        (cd "$ROOT" && run "${package[@]}")
        return
    fi
    log "building and packaging $example for arm64 ($TARGET)"
    # The cross linker, unless .cargo/config.toml or the environment already names one.
    if [[ -z ${CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER:-} ]] &&
        ! grep -qs 'aarch64-unknown-linux-gnu' "$ROOT/.cargo/config.toml" &&
        command -v aarch64-linux-gnu-gcc >/dev/null; then
        export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
        log "linking with aarch64-linux-gnu-gcc (CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER)"
    fi
    if ((DRY_RUN)); then
        (cd "$ROOT" && run "${package[@]}" --target "$TARGET")
        return
    fi
    # `package` may write the arm64 zip to the x86_64 path; move it to the arm64 one.
    local marker
    marker=$(mktemp)
    rm -f "$zip"
    (cd "$ROOT" && "${package[@]}" --target "$TARGET")
    if [[ ! -f $zip && -f $ZIP_DIR/$example/bootstrap.zip && $ZIP_DIR/$example/bootstrap.zip -nt $marker ]]; then
        mkdir -p "$(dirname "$zip")"
        mv "$ZIP_DIR/$example/bootstrap.zip" "$zip"
    fi
    rm -f "$marker"
    [[ -f $zip ]] || die "packaging $example for arm64 wrote no $zip"
}

# Stops when the zip's bootstrap is an ELF file for the other architecture (Lambda would fail
# with an exec format error). Needs unzip; skipped with a note when it cannot read the zip.
check_zip_arch() {
    local zip=$1 header machine expected
    command -v unzip >/dev/null || {
        log "unzip not found: not checking the bootstrap's architecture"
        return 0
    }
    # e_ident[0..4] and e_machine (bytes 18-19) of the bootstrap.
    header=$( (unzip -p "$zip" bootstrap 2>/dev/null || true) | od -An -tx1 -N20 | tr -d ' \n')
    if [[ ${header:0:8} != 7f454c46 ]]; then
        log "could not read an ELF bootstrap from $zip: not checking its architecture"
        return 0
    fi
    machine=${header:36:4}
    case $ARCH in
        x86_64) expected=3e00 ;;
        arm64) expected=b700 ;;
    esac
    [[ $machine == "$expected" ]] ||
        die "$zip holds a bootstrap for another architecture (e_machine $machine, want $expected for $ARCH)"
}

ensure_role() {
    local arn status=0
    arn=$(lookup NoSuchEntity "${AWS[@]}" iam get-role --role-name "$ROLE_NAME" \
        --query Role.Arn --output text) || status=$?
    if ((status == 0)); then
        log "role $ROLE_NAME exists"
    elif ((status == NOT_FOUND)); then
        log "creating role $ROLE_NAME"
        local trust='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
        arn=$(run "${AWS[@]}" iam create-role --role-name "$ROLE_NAME" \
            --assume-role-policy-document "$trust" \
            --description "Execution role for ruchy-lambda functions" \
            --query Role.Arn --output text)
        log "waiting for role $ROLE_NAME to exist in IAM"
        run "${AWS[@]}" iam wait role-exists --role-name "$ROLE_NAME"
    else
        exit "$status"
    fi
    if ((DRY_RUN)); then
        arn="arn:aws:iam::123456789012:role/$ROLE_NAME"
    fi
    ROLE_ARN=$arn
    # The partition (aws, aws-cn, aws-us-gov) comes from the role's ARN.
    local partition=${ROLE_ARN#arn:}
    partition=${partition%%:*}
    # Attaching an attached policy is a no-op: this also repairs a half-made role.
    run "${AWS[@]}" iam attach-role-policy --role-name "$ROLE_NAME" \
        --policy-arn "arn:$partition:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

# create-function fails with "cannot be assumed by Lambda" until a new role has propagated
# through IAM (usually seconds); retry that error only.
create_function() {
    local name=$1 zip=$2 attempt err out status
    for attempt in $(seq 1 12); do
        if ((DRY_RUN)); then
            run "${AWS[@]}" lambda create-function --function-name "$name" \
                --runtime provided.al2023 --handler bootstrap --architectures "$ARCH" \
                --memory-size "$MEMORY" --timeout "$TIMEOUT" --role "$ROLE_ARN" \
                --zip-file "fileb://$zip" --query FunctionArn --output text
            return 0
        fi
        err=$(mktemp)
        status=0
        out=$("${AWS[@]}" lambda create-function --function-name "$name" \
            --runtime provided.al2023 --handler bootstrap --architectures "$ARCH" \
            --memory-size "$MEMORY" --timeout "$TIMEOUT" --role "$ROLE_ARN" \
            --zip-file "fileb://$zip" --query FunctionArn --output text 2>"$err") || status=$?
        if ((status == 0)); then
            rm -f "$err"
            printf '%s\n' "$out"
            return 0
        fi
        if grep -q "cannot be assumed by Lambda" "$err" && ((attempt < 12)); then
            rm -f "$err"
            log "role $ROLE_NAME is not usable by Lambda yet; retrying in ${RETRY_SLEEP}s"
            sleep "$RETRY_SLEEP"
            continue
        fi
        cat "$err" >&2
        rm -f "$err"
        die "creating $name failed (exit $status)"
    done
}

deploy_function() {
    local example=$1 name arn zip
    name="$PREFIX-$example-$ARCH"
    zip=$(zip_path "$example")
    if ((!DRY_RUN)); then
        [[ -f $zip ]] || die "no zip for $example at $zip: build it or drop --skip-build"
        check_zip_arch "$zip"
    fi
    local status=0
    lookup ResourceNotFoundException "${AWS[@]}" lambda get-function --function-name "$name" \
        --query Configuration.FunctionArn --output text >/dev/null || status=$?
    if ((status == 0)); then
        log "updating $name"
        arn=$(run "${AWS[@]}" lambda update-function-code --function-name "$name" \
            --zip-file "fileb://$zip" --architectures "$ARCH" \
            --query FunctionArn --output text)
        run "${AWS[@]}" lambda wait function-updated --function-name "$name"
        run "${AWS[@]}" lambda update-function-configuration --function-name "$name" \
            --runtime provided.al2023 --handler bootstrap --memory-size "$MEMORY" \
            --timeout "$TIMEOUT" --role "$ROLE_ARN" --query FunctionArn --output text >/dev/null
        run "${AWS[@]}" lambda wait function-updated --function-name "$name"
    elif ((status == NOT_FOUND)); then
        log "creating $name"
        arn=$(create_function "$name" "$zip")
        run "${AWS[@]}" lambda wait function-active --function-name "$name"
    else
        exit "$status"
    fi
    if ((DRY_RUN)); then
        arn="arn:aws:lambda:${REGION:-<region>}:123456789012:function:$name"
    fi
    printf '%s\n' "$arn"
}

if ((!DRY_RUN)); then
    command -v aws >/dev/null || die "the AWS CLI v2 (aws) is not on PATH"
fi
if ((!SKIP_BUILD)); then
    for example in "${EXAMPLES[@]}"; do
        build "$example"
    done
fi
ROLE_ARN=""
ensure_role
for example in "${EXAMPLES[@]}"; do
    deploy_function "$example"
done
