#!/usr/bin/env bash
# Deletes the Lambda functions deploy/deploy.sh made, and with --role its execution role.
# Idempotent: what is already gone is reported and skipped.
set -euo pipefail
shopt -s inherit_errexit

usage() {
    cat <<'USAGE'
Usage: deploy/teardown.sh [options] [EXAMPLE...]

Deletes the functions <prefix>-<example>-<arch> (default examples: minimal fibonacci).

Options:
  --arch x86_64|arm64|all   which architecture's functions (default: all)
  --region REGION           AWS region (default: the AWS CLI's configured region)
  --function-prefix P       function name prefix (default: ruchy-lambda)
  --role                    also delete the execution role (detaching its policy first)
  --role-name NAME          the execution role (default: ruchy-lambda-execution)
  --logs                    also delete the functions' CloudWatch log groups
  --dry-run                 print the aws commands instead of running them
  -h, --help                show this help
USAGE
}

die() {
    echo "teardown.sh: $*" >&2
    exit 1
}

log() {
    echo "==> $*" >&2
}

ARCHES=(x86_64 arm64)
REGION=""
PREFIX=ruchy-lambda
DELETE_ROLE=0
ROLE_NAME=ruchy-lambda-execution
DELETE_LOGS=0
DRY_RUN=0
EXAMPLES=()

need_value() {
    [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value (see --help)"
}

while [[ $# -gt 0 ]]; do
    case $1 in
        --arch)
            need_value "$@"
            case $2 in
                x86_64 | arm64) ARCHES=("$2") ;;
                all) ARCHES=(x86_64 arm64) ;;
                *) die "--arch must be x86_64, arm64 or all, not '$2'" ;;
            esac
            shift 2
            ;;
        --region) need_value "$@"; REGION=$2; shift 2 ;;
        --function-prefix) need_value "$@"; PREFIX=$2; shift 2 ;;
        --role) DELETE_ROLE=1; shift ;;
        --role-name) need_value "$@"; ROLE_NAME=$2; shift 2 ;;
        --logs) DELETE_LOGS=1; shift ;;
        --dry-run) DRY_RUN=1; shift ;;
        -h | --help) usage; exit 0 ;;
        --) shift; EXAMPLES+=("$@"); break ;;
        -*) die "unknown option: $1 (see --help)" ;;
        *) EXAMPLES+=("$1"); shift ;;
    esac
done
if [[ ${#EXAMPLES[@]} -eq 0 ]]; then
    EXAMPLES=(minimal fibonacci)
fi

AWS=(aws)
if [[ -n $REGION ]]; then
    AWS+=(--region "$REGION")
fi
export AWS_PAGER=""

# Runs a delete whose "not found" error means there is nothing to do. Stops on other errors.
delete() {
    local not_found=$1 what=$2 err status=0
    shift 2
    if ((DRY_RUN)); then
        printf '+'
        printf ' %q' "$@"
        printf '\n'
        return 0
    fi
    err=$(mktemp)
    "$@" >/dev/null 2>"$err" || status=$?
    if ((status == 0)); then
        log "deleted $what"
    elif grep -q "$not_found" "$err"; then
        log "$what is already gone"
    else
        cat "$err" >&2
        rm -f "$err"
        die "'$*' failed (exit $status)"
    fi
    rm -f "$err"
}

if ((!DRY_RUN)); then
    command -v aws >/dev/null || die "the AWS CLI v2 (aws) is not on PATH"
fi
for example in "${EXAMPLES[@]}"; do
    for arch in "${ARCHES[@]}"; do
        name="$PREFIX-$example-$arch"
        delete ResourceNotFoundException "function $name" \
            "${AWS[@]}" lambda delete-function --function-name "$name"
        if ((DELETE_LOGS)); then
            delete ResourceNotFoundException "log group /aws/lambda/$name" \
                "${AWS[@]}" logs delete-log-group --log-group-name "/aws/lambda/$name"
        fi
    done
done
if ((DELETE_ROLE)); then
    # Detach every managed policy (deploy.sh attaches AWSLambdaBasicExecutionRole), then delete.
    policies=""
    if ((!DRY_RUN)); then
        status=0
        err=$(mktemp)
        policies=$("${AWS[@]}" iam list-attached-role-policies --role-name "$ROLE_NAME" \
            --query 'AttachedPolicies[].PolicyArn' --output text 2>"$err") || status=$?
        if ((status != 0)) && ! grep -q NoSuchEntity "$err"; then
            cat "$err" >&2
            rm -f "$err"
            die "listing the policies of role $ROLE_NAME failed (exit $status)"
        fi
        rm -f "$err"
    else
        printf '+ %s iam list-attached-role-policies --role-name %q\n' "${AWS[*]}" "$ROLE_NAME"
        policies="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    fi
    for policy in $policies; do
        [[ $policy == None ]] && continue
        delete NoSuchEntity "policy $policy from role $ROLE_NAME" \
            "${AWS[@]}" iam detach-role-policy --role-name "$ROLE_NAME" --policy-arn "$policy"
    done
    delete NoSuchEntity "role $ROLE_NAME" "${AWS[@]}" iam delete-role --role-name "$ROLE_NAME"
fi
