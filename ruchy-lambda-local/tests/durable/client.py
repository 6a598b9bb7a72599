"""boto3 against `serve --durable` (tests/cli_serve_durable.rs): the durable execution API
called as AWS's Python SDK calls it, its answers as botocore parses them. Prints one JSON object.

    python client.py http://127.0.0.1:PORT
"""

import datetime
import json
import sys
import time

import boto3
from botocore.exceptions import ClientError

lam = boto3.client(
    "lambda",
    endpoint_url=sys.argv[1],
    region_name="us-east-1",
    aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
    aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
)
out = {}


def error_code(call):
    try:
        call()
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None


def until(what, check):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        value = check()
        if value is not None:
            return value
        time.sleep(0.05)
    raise TimeoutError(what)


reply = lam.invoke(
    FunctionName="waiting",
    Payload=json.dumps({"seconds": 60}),
    DurableExecutionName="boto-1",
)
arn = reply["DurableExecutionArn"]
out["invoke"] = {"status": reply["StatusCode"], "payload": json.loads(reply["Payload"].read())}
described = lam.get_durable_execution(DurableExecutionArn=arn)
out["described"] = {
    "status": described["Status"],
    "name": described["DurableExecutionName"],
    "input": described["InputPayload"],
    "ended_after_start": described["EndTimestamp"] >= described["StartTimestamp"],
    "timeout": described["DurableConfig"]["ExecutionTimeout"],
}
history = lam.get_durable_execution_history(DurableExecutionArn=arn, IncludeExecutionData=True)
out["history"] = [e["EventType"] for e in history["Events"]]
page = lam.get_durable_execution_history(DurableExecutionArn=arn, MaxItems=2, ReverseOrder=True)
out["last_two"] = [(e["EventId"], e["EventType"]) for e in page["Events"]]
out["next_marker"] = page.get("NextMarker")
listed = lam.list_durable_executions_by_function(
    FunctionName="waiting",
    Statuses=["SUCCEEDED"],
    StartedAfter=datetime.datetime(2020, 1, 1, tzinfo=datetime.timezone.utc),
)
out["listed"] = sorted(e["DurableExecutionName"] for e in listed["DurableExecutions"])
out["listed_later"] = lam.list_durable_executions_by_function(
    FunctionName="waiting",
    StartedAfter=datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1),
)["DurableExecutions"]

queued = lam.invoke(
    FunctionName="approval",
    InvocationType="Event",
    Payload=json.dumps({"order": 11}),
)
waiting_arn = queued["DurableExecutionArn"]


def callback_id():
    events = lam.get_durable_execution_history(DurableExecutionArn=waiting_arn)["Events"]
    for event in events:
        if event["EventType"] == "CallbackStarted":
            return event["CallbackStartedDetails"]["CallbackId"]
    return None


callback = until("CallbackStarted", callback_id)
lam.send_durable_execution_callback_heartbeat(CallbackId=callback)
lam.send_durable_execution_callback_success(CallbackId=callback, Result=b'"from boto3"')
done = until(
    "the execution's end",
    lambda: (
        d
        if (d := lam.get_durable_execution(DurableExecutionArn=waiting_arn))["Status"] != "RUNNING"
        else None
    ),
)
out["callback"] = {"status": done["Status"], "result": json.loads(done["Result"])}
out["stop_ended"] = isinstance(
    lam.stop_durable_execution(DurableExecutionArn=waiting_arn)["StopTimestamp"], datetime.datetime
)
out["errors"] = {
    "bad_arn": error_code(lambda: lam.get_durable_execution(DurableExecutionArn="nope")),
    "stale_token": error_code(
        lambda: lam.checkpoint_durable_execution(
            DurableExecutionArn=arn, CheckpointToken="dG9rZW4=", Updates=[]
        )
    ),
    "state_token": error_code(
        lambda: lam.get_durable_execution_state(DurableExecutionArn=arn, CheckpointToken="dG9rZW4=")
    ),
    "no_callback": error_code(
        lambda: lam.send_durable_execution_callback_failure(
            CallbackId="YWJjZA==", Error={"ErrorMessage": "x"}
        )
    ),
    "again": error_code(
        lambda: lam.send_durable_execution_callback_success(CallbackId=callback, Result=b"1")
    ),
    "other_input": error_code(
        lambda: lam.invoke(
            FunctionName="waiting", Payload=b'{"seconds": 1}', DurableExecutionName="boto-1"
        )
    ),
    "no_function": error_code(
        lambda: lam.list_durable_executions_by_function(FunctionName="nobody")
    ),
}
print(json.dumps(out))
