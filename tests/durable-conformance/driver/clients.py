"""What the conformance validator calls, served locally.

- Invokers (the validator's `Invoker` interface: `invoke`, `invoke_async`, `stack_name`):
  `DexInvoker` starts executions with dex-local-runner's `/start-durable-execution`;
  `LambdaInvoker` is the validator's own Invoker (Lambda's Invoke API, `Qualifier=$LATEST`,
  the execution's ARN from `X-Amz-Durable-Execution-Arn`) pointed at a local endpoint.
- `DexHistory`: a Lambda client for dex-local-runner whose history events carry
  `InvocationCompletedDetails`, which dex-local-runner 1.4.0 leaves out.
- `LocalStacks` and `LocalLogs`: the two calls the validator makes for `ExpectedLogs`
  (CloudFormation's DescribeStackResource and CloudWatch Logs' FilterLogEvents), answered from
  the functions' own log lines as `serve` printed them.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
import uuid
from typing import Any

import boto3
from botocore.config import Config

from aws_durable_execution_conformance_tests.sam import (
    EventFileReader,
    InvocationResult,
    InvokeError,
)
from aws_durable_execution_conformance_tests.sam import Invoker as AwsInvoker

from processes import ACCOUNT, REGION, Started

TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED", "CANCELLED"}
STACK = "ruchy-lambda-local"


def lambda_client(endpoint: str) -> Any:
    """A boto3 Lambda client for a loopback endpoint (no retries: errors show at once)."""
    return boto3.client(
        "lambda",
        endpoint_url=endpoint,
        region_name=REGION,
        config=Config(retries={"mode": "standard", "max_attempts": 2}, read_timeout=900),
    )


def _payload(event_file_path: str | None) -> Any:
    if event_file_path is None:
        return {}
    return EventFileReader.extract_payload(EventFileReader.read(event_file_path))


class DexInvoker:
    """Starts executions on dex-local-runner; `invoke` waits for the end, as Invoke does."""

    def __init__(self, dex_url: str, client: Any, timeouts: dict[str, int]) -> None:
        self._url = dex_url
        self._client = client
        self._timeouts = timeouts

    @property
    def stack_name(self) -> str:
        return STACK

    def _start(self, function_name: str, event_file_path: str | None) -> str:
        body = {
            "AccountId": ACCOUNT,
            "FunctionName": function_name,
            "FunctionQualifier": "$LATEST",
            "ExecutionName": str(uuid.uuid4()),
            "ExecutionTimeoutSeconds": self._timeouts.get(function_name, 300),
            "ExecutionRetentionPeriodDays": 1,
            "Input": json.dumps(_payload(event_file_path)),
        }
        request = urllib.request.Request(
            f"{self._url}/start-durable-execution",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())["ExecutionArn"]
        except (OSError, KeyError, ValueError) as e:
            raise InvokeError(function_name, f"start-durable-execution: {e}") from e

    def _result(self, function_name: str, arn: str, sync: bool) -> InvocationResult:
        output: dict[str, Any] = {"StatusCode": 200 if sync else 202, "DurableExecutionArn": arn}
        if sync:
            deadline = time.monotonic() + self._timeouts.get(function_name, 300) + 60
            while True:
                execution = self._client.get_durable_execution(DurableExecutionArn=arn)
                if execution.get("Status") in TERMINAL:
                    break
                if time.monotonic() > deadline:
                    raise InvokeError(function_name, f"{arn} did not end within its execution timeout")
                time.sleep(0.2)
            output["Payload"] = execution.get("Result") or ""
            if execution.get("Status") != "SUCCEEDED":
                output["FunctionError"] = "Unhandled"
        return InvocationResult(
            success=True,
            command=f"start-durable-execution {function_name}",
            output=json.dumps(output),
            stderr="",
            function_name=function_name,
        )

    def invoke(self, function_name: str, event_file_path: str | None = None, parameters=None) -> InvocationResult:
        del parameters
        return self._result(function_name, self._start(function_name, event_file_path), sync=True)

    def invoke_async(self, function_name: str, event_file_path: str | None = None) -> InvocationResult:
        return self._result(function_name, self._start(function_name, event_file_path), sync=False)


def lambda_invoker(client: Any, function_names: list[str]) -> AwsInvoker:
    """The validator's own Invoker, its function names resolved to themselves (no stack)."""
    invoker = AwsInvoker(stack_name=STACK, region=REGION, lambda_client=client)
    invoker._function_map = {name: name for name in function_names}  # noqa: SLF001
    return invoker


class DexHistory:
    """A Lambda client for dex-local-runner; history events get `InvocationCompletedDetails`.

    dex-local-runner 1.4.0 records InvocationCompleted without its details. Lambda's details are
    the invocation's start, end and request id; the end is the event's timestamp, the others are
    not recorded by dex-local-runner, so they are given as the end and an empty id. Every other
    call is the client's own.
    """

    def __init__(self, client: Any) -> None:
        self._client = client

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def get_durable_execution_history(self, **kwargs: Any) -> dict[str, Any]:
        history = self._client.get_durable_execution_history(**kwargs)
        for event in history.get("Events", []):
            if event.get("EventType") == "InvocationCompleted" and "InvocationCompletedDetails" not in event:
                ts = event.get("EventTimestamp")
                event["InvocationCompletedDetails"] = {"StartTimestamp": ts, "EndTimestamp": ts, "RequestId": ""}
        return history


class LocalStacks:
    """DescribeStackResource: a function's physical name is its name here."""

    def describe_stack_resource(self, StackName: str, LogicalResourceId: str) -> dict[str, Any]:  # noqa: N803
        del StackName
        return {"StackResourceDetail": {"PhysicalResourceId": LogicalResourceId}}


_ARN_FILTER = re.compile(r'\$\.(durableExecutionArn|executionArn) = "((?:[^"\\]|\\.)*)"')


class LocalLogs:
    """FilterLogEvents over the lines `serve` printed (JSON log format).

    Supports what the validator sends: a time range and the filter
    `{ ($.durableExecutionArn = "ARN") || ($.executionArn = "ARN") }`; a line matches when it is
    a JSON object whose `durableExecutionArn` or `executionArn` is ARN. The log group is not
    used to narrow the lines: every line of every function is in the stream, and the ARN names
    one execution of one function.
    """

    def __init__(self, serve: Started) -> None:
        self._serve = serve

    def filter_log_events(self, **kwargs: Any) -> dict[str, Any]:
        start = kwargs.get("startTime", 0)
        end = kwargs.get("endTime", int(time.time() * 1000))
        wanted: set[str] = set()
        pattern = kwargs.get("filterPattern")
        if pattern:
            for _, raw in _ARN_FILTER.findall(pattern):
                wanted.add(raw.replace('\\"', '"').replace("\\\\", "\\"))
        events = []
        for ts, line in self._serve.snapshot():
            if not start <= ts <= end:
                continue
            if wanted:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(record, dict):
                    continue
                if record.get("durableExecutionArn") not in wanted and record.get("executionArn") not in wanted:
                    continue
            events.append({"timestamp": ts, "ingestionTime": ts, "message": line, "logStreamName": "serve"})
        return {"events": events}

