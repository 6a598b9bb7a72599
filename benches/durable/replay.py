"""The durable functions section's function on AWS's Python SDK: the same as
benches/ours/src/bin/durable-replay.rs. {"steps": N} runs N steps (step i returns i), waits 1 s,
and returns the sum."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration


@durable_execution
def handler(event, context: DurableContext):
    total = 0
    for i in range(event["steps"]):
        total += context.step(lambda _, i=i: i, name=f"step-{i}")
    context.wait(Duration.from_seconds(1), name="pause")
    return total
