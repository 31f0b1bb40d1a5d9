"""``mis-wizard preview``: mapped records with their errors, a validation report, field codes.

The main CLI owns SYSTEM, --credentials and --profile and builds the context; this module adds
the preview options and runs it. Exit status: 0 when every shown record maps cleanly, 1 when
some field has an error (so a scheduled check can notice), 2 when the preview could not run.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import httpx

from mis_wizard.vendors.base import Context, Credentials, Requirements, VendorSpec
from mis_wizard.vendors.errors import VendorError, classify_exception
from mis_wizard.wizard import atomic

from .field_codes import field_codes, to_csv
from .preview import MAX_SAMPLES, PreviewError, preview, read, resolve_target, validation_report


def add_preview_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--entity", required=True,
                        help="a target of the profile (e.g. students) or a canonical entity (shown raw when "
                             "the profile has no target for it)")
    parser.add_argument("--limit", type=int, default=5, help="how many records to show (default 5)")
    parser.add_argument("--sample", nargs="+", default=[], metavar="ID",
                        help=f"show these records (up to {MAX_SAMPLES} ids) instead of the first ones")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--safe", action="store_true",
                        help="screen-share safe text, as in the window: names, birth dates, e-mails, phones and "
                             "record ids shown only by their shape (J••• S••••, 20••-••-1•, •••@school.example), "
                             "year levels, houses, class codes and term names as they are. Off by default: the "
                             "text is for the admin's own terminal. Does not change --json, which prints every "
                             "value as it is")
    parser.add_argument("--report", action="store_true",
                        help="read all records and report what the profile's filters drop and which fields fail")
    parser.add_argument("--field-codes", type=Path, metavar="CSV",
                        help="write each source field of the entity with its distinct values to this CSV file")


async def run_preview(args: argparse.Namespace, spec: VendorSpec, ctx: Context, credentials: Credentials,
                      requirements: Requirements, profile: Any) -> int:
    mapping = getattr(args, "mapping", None)
    try:
        if len(args.sample) > MAX_SAMPLES:
            raise PreviewError(f"Give at most {MAX_SAMPLES} sample ids.")
        if args.field_codes:
            target, _raw = resolve_target(spec, profile.target_schema, args.entity)
            records, _ = await read(spec, ctx, credentials, requirements, target.entity)
            atomic.write_bytes(args.field_codes, to_csv(field_codes(records)).encode("utf-8"))
            print(f"Wrote the field codes of {len(records)} {target.entity} records to {args.field_codes}")
            return 0
        if args.report:
            report = await validation_report(spec, ctx, credentials, requirements, profile, mapping)
            _emit(args, report.to_json(), report.to_text(safe=args.safe))
            return 1 if any(t.with_errors for t in report.targets) else 0
        result = await preview(spec, ctx, credentials, requirements, profile, mapping, args.entity,
                               max(1, args.limit), args.sample)
    except (PreviewError, KeyError) as exc:
        print(f"Cannot preview: {exc.args[0] if exc.args else exc}")
        return 2
    except VendorError as exc:
        print(f"{spec.name} refused: {exc.message}" + (f"\n{exc.remedy}" if exc.remedy else ""))
        return 2
    except httpx.HTTPError as exc:  # a connector that lets a network failure through: said the same way
        failure = classify_exception(exc)
        print(f"Cannot read from {spec.name}: {failure.message}" + (f"\n{failure.remedy}" if failure.remedy else ""))
        return 2
    _emit(args, result.to_json(), result.to_text(safe=args.safe))
    return 1 if result.error_count else 0


def _emit(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False) if args.json else text)
