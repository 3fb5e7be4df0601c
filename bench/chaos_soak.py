"""The damage soak (bench/soak/run.py): live bots under random faults, stunts and SIGKILL
restarts, judged by the venue's own record. The figures are meant to be 0; durations are
printed, never judged.

    .venv/bin/python bench/chaos_soak.py [--brackets 1000] [--bots 3] [--seed 1]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from soak.bots import PAIRS  # noqa: E402
from soak.figures import FIGURES, SoakReport  # noqa: E402
from soak.run import DamageSoak, SoakSettings  # noqa: E402


def print_report(report: SoakReport, work: Path | None) -> None:
    s = report.settings
    print(f"damage soak: {s['bots']} bots x {s['pairs']} pairs, seed {s['seed']}, "
          f"{report.wall_time_s:.0f} s")
    print(f"brackets opened {report.brackets_opened}, closed {report.brackets_closed} "
          f"{dict(sorted(report.exit_reasons.items()))}; position lives on the venue "
          f"{report.position_lives}")
    print(f"faults fired {sum(report.faults_fired.values())} "
          f"{dict(sorted(report.faults_fired.items()))}")
    print(f"stunts {dict(sorted(report.stunts.items()))}; restarts (SIGKILL) {report.restarts}, "
          f"crashes {report.crashes}, failed starts {report.failed_starts}; positions no trade "
          f"owned, closed by hand at the end "
          f"{report.guarded_closed_by_hand}")
    print(f"steering: bots {report.bot_steering}; brackets scaled out "
          f"{report.scaled_out_brackets}, level fills {report.level_fills} (partial exits "
          f"{report.partial_exits}); stop moves {report.stop_moves}, resizes "
          f"{report.stop_resizes}, other stop attempts after the first {report.stop_resends}")
    for name in FIGURES:
        print(f"  {name:<24} {getattr(report, name)}")
    for incident in report.incidents[:40]:
        print(f"    {incident}")
    print(f"entries that filled beyond their own stop (closed at once from the answer): "
          f"{report.entries_beyond_stop}")
    print(f"stops placed for less than the trade's position (a rest without a stop when one "
          f"fires): {report.short_stops}")
    print(f"crossings while the venue held the trade's entry or stop request (a fault; no "
          f"client can rest a stop there): {report.venue_held_crossings}")
    print(f"crossings while the bot process was dead (SIGKILL or crash, until its API answered "
          f"again): {report.bot_down_crossings}")
    print(f"crossings after the entry filled, before the stop sent from its answer reached the "
          f"venue: {report.in_flight_crossings}")
    print(f"crossings after the venue answered the stop 'would trigger' (-2021: its word that the "
          f"price was past it), before the close or resend reached it: "
          f"{report.venue_said_crossings}")
    print(f"crossings after the venue refused the stop otherwise, before the resend sent from "
          f"that answer reached it: {report.resend_in_flight_crossings}")
    print(f"durations (printed, not judged): longest orphan leg {report.longest_orphan_ms} ms,"
          f" longest position without its stop {report.longest_unprotected_ms} ms")
    print(f"quiet at the end: {report.quiet}; goal (all figures 0): "
          f"{'met' if report.harmless else 'NOT met'}")
    if work is not None:
        print(f"bot logs kept in {work}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = SoakSettings()
    parser.add_argument("--brackets", type=int, default=defaults.brackets)
    parser.add_argument("--bots", type=int, default=defaults.bots)
    parser.add_argument("--pairs", type=int, default=defaults.pairs,
                        choices=range(1, len(PAIRS) + 1))
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--fault-every", type=float, default=defaults.fault_every_s,
                        help="mean seconds between faults (all bots)")
    parser.add_argument("--restart-every", type=float, default=defaults.restart_every_s,
                        help="mean seconds between SIGKILL restarts (all bots)")
    parser.add_argument("--stunt-every", type=float, default=defaults.stunt_every_s,
                        help="mean seconds between stunts (gap, thin book, liquidation)")
    parser.add_argument("--volatility", type=float, default=defaults.volatility,
                        help="price noise per 0.3 s step (0.0022: a 1-2 %% stop in ~30 s)")
    parser.add_argument("--chaos-tail", type=float, default=defaults.chaos_tail_s,
                        help="seconds of chaos after the last entry, at most")
    parser.add_argument("--scale-out-share", type=float, default=defaults.scale_out_share,
                        help="share of signals with 2-3 take-profit levels")
    parser.add_argument("--time-limit", type=int, default=defaults.time_limit_minutes,
                        help="minutes, for the bots that steer by a time limit (0: none)")
    parser.add_argument("--keep", type=Path, help="keep logs and databases in this folder")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args()
    settings = SoakSettings(brackets=args.brackets, bots=args.bots, pairs=args.pairs,
                            seed=args.seed, fault_every_s=args.fault_every,
                            restart_every_s=args.restart_every, stunt_every_s=args.stunt_every,
                            volatility=args.volatility, chaos_tail_s=args.chaos_tail,
                            scale_out_share=args.scale_out_share,
                            time_limit_minutes=args.time_limit)
    with contextlib.ExitStack() as stack:
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            work = args.keep
        else:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        report = DamageSoak(settings, work).run()
    print_report(report, args.keep)
    if args.json is not None:
        args.json.write_text(json.dumps(asdict(report), indent=2))
    sys.exit(0 if report.harmless else 1)


if __name__ == "__main__":
    main()
