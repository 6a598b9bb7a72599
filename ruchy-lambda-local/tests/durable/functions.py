"""Durable functions on AWS's durable execution SDK for Python, unchanged, for the tests of
`serve --durable` (tests/cli_serve_durable.rs). Each is selected with DURABLE_HANDLER."""

from aws_durable_execution_sdk_python import DurableContext, StepContext, durable_execution
from aws_durable_execution_sdk_python.config import CallbackConfig, Duration, StepConfig
from aws_durable_execution_sdk_python.retries import (
    JitterStrategy,
    RetryStrategyConfig,
    create_retry_strategy,
)

# Attempts made so far, per execution: the process lives on between invocations.
ATTEMPTS: dict[str, int] = {}


@durable_execution
def retrying(event: dict, context: DurableContext) -> dict:
    """A step that fails twice and then succeeds, retried an hour apart."""
    key = event["key"]

    def flaky(step: StepContext) -> str:
        ATTEMPTS[key] = ATTEMPTS.get(key, 0) + 1
        if ATTEMPTS[key] < 3:
            raise ValueError(f"attempt {ATTEMPTS[key]} failed")
        return f"ok after {ATTEMPTS[key]}"

    strategy = create_retry_strategy(
        RetryStrategyConfig(
            max_attempts=5,
            initial_delay=Duration.from_hours(1),
            max_delay=Duration.from_hours(1),
            backoff_rate=1,
            jitter_strategy=JitterStrategy.NONE,
        )
    )
    outcome = context.step(flaky, name="flaky", config=StepConfig(retry_strategy=strategy))
    return {"outcome": outcome}


@durable_execution
def waiting(event: dict, context: DurableContext) -> dict:
    """A wait of `seconds`, between two steps."""
    before = context.step(lambda _: "before", name="before")
    context.wait(Duration.from_seconds(event["seconds"]), name="pause")
    after = context.step(lambda _: "after", name="after")
    return {"steps": [before, after]}


@durable_execution
def approval(event: dict, context: DurableContext) -> dict:
    """A callback that someone else answers."""
    config = CallbackConfig(
        timeout=Duration.from_seconds(event.get("timeout", 600)),
        heartbeat_timeout=Duration.from_seconds(event.get("heartbeat", 0)),
    )
    callback = context.create_callback(name="approval", config=config)
    answer = callback.result()
    return {"order": event["order"], "answer": answer}


@durable_execution
def failing(event: dict, context: DurableContext) -> dict:
    """A step that fails with no retry: the execution fails."""

    def boom(step: StepContext) -> None:
        raise RuntimeError(event.get("message", "boom"))

    no_retry = create_retry_strategy(RetryStrategyConfig(max_attempts=1))
    context.step(boom, name="boom", config=StepConfig(retry_strategy=no_retry))
    return {"unreachable": True}


@durable_execution
def nested(event: dict, context: DurableContext) -> dict:
    """A child context with a step in it."""

    def inner(child: DurableContext) -> int:
        return child.step(lambda _: event["n"] * 2, name="double")

    doubled = context.run_in_child_context(inner, name="child")
    return {"doubled": doubled}


@durable_execution
def invoker(event: dict, context: DurableContext) -> dict:
    """Invokes another served function (CHAINED_INVOKE)."""
    reply = context.invoke(event["target"], {"n": event["n"]}, name="call")
    return {"reply": reply}


@durable_execution
def many(event: dict, context: DurableContext) -> dict:
    """More operations than the durable event carries, then a wait: the invocation after it
    reads the rest with GetDurableExecutionState."""
    total = 0
    for i in range(event["steps"]):
        total += context.step(lambda _, i=i: i, name=f"s{i}")
    context.wait(Duration.from_seconds(5), name="pause")
    total += context.step(lambda _: 1000, name="last")
    return {"total": total}


def plain(event: dict, context) -> dict:
    """An ordinary function, for a chained invoke."""
    if event.get("n") == 0:
        raise ValueError("zero")
    return {"doubled": event["n"] * 2}


# Invocations that crashed so far, per execution.
CRASHES: dict[str, int] = {}


@durable_execution
def _steady(event: dict, context: DurableContext) -> dict:
    return {"ok": context.step(lambda _: 1, name="one")}


def crashing(event: dict, context) -> dict:
    """A durable function whose first `crashes` invocations fail outside the SDK (as a crashed
    sandbox or a failed checkpoint does): Lambda invokes it again."""
    arn = event["DurableExecutionArn"]
    CRASHES[arn] = CRASHES.get(arn, 0) + 1
    if CRASHES[arn] <= event_input(event).get("crashes", 0):
        raise RuntimeError(f"crash {CRASHES[arn]}")
    return _steady(event, context)


def event_input(event: dict) -> dict:
    """The execution's input, from the durable event's EXECUTION operation."""
    import json

    for op in event["InitialExecutionState"]["Operations"]:
        if op["Type"] == "EXECUTION":
            return json.loads(op["ExecutionDetails"]["InputPayload"])
    return {}


@durable_execution
def fanout(event: dict, context: DurableContext) -> dict:
    """A map over the items, each with a step and a wait (suspending every branch)."""

    def each(child: DurableContext, item: int, index: int, items) -> int:
        squared = child.step(lambda _: item * item, name=f"square-{index}")
        child.wait(Duration.from_seconds(60), name=f"rest-{index}")
        return squared

    results = context.map(event["items"], each, name="squares")
    results.throw_if_error()
    return {"squares": results.get_results()}
