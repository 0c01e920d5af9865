"""Run the fuzz suite's generators without stopping at the first defect and print the counts
per outcome class (the numbers quoted before and after a fix):

    PYTHONPATH=python python tests/fuzz/fuzz_survey.py --api 2000 --cli 500 --report out.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fuzz_harness import CLEAN, Tally, Worker
from fuzz_known import owner
from fuzz_targets import api_call, cli_call, method_call, spec_call
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", type=int, default=1000)
    parser.add_argument("--cli", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--report", default=None)
    parser.add_argument(
        "--known", action="store_true", help="count defects owned elsewhere as 'known'"
    )
    args = parser.parse_args()
    worker, tally = Worker(timeout=args.timeout), Tally()
    start = time.perf_counter()

    def run(strategy, count):
        @settings(
            max_examples=count,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            phases=["generate"],
        )
        @given(request=strategy)
        def collect(request):
            reply = worker.call(request)
            reason = owner(request, reply) if reply["outcome"] not in CLEAN else None
            if reason is not None and args.known:
                reply = {
                    **reply,
                    "outcome": "known",
                    "message": f"{reason}: {reply.get('message')}",
                }
            tally.add(request.get("target") or f"cli {request['argv'][0]}", request, reply)

        collect._hypothesis_internal_use_seed = args.seed  # type: ignore[attr-defined]
        collect()

    run(st.one_of(api_call(), api_call(), api_call(), method_call(), spec_call()), args.api)
    run(cli_call(), args.cli)
    worker.close()
    report = tally.report("survey")
    report["seconds"] = time.perf_counter() - start
    report["worker_restarts"] = worker.restarts
    print(
        json.dumps(
            {k: report[k] for k in ("total", "counts", "seconds", "worker_restarts")}, indent=1
        )
    )
    for outcome, examples in report["examples"].items():
        print(f"== {outcome}")
        for e in examples[:40]:
            print("  ", e[:400])
    if args.report:
        Path(args.report).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
