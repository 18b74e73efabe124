"""Regenerate the README's experiments table, the toy table of
``docs/toy.md`` and ``metafile.yml`` from the configs and the results
records.

    python tools/gather_results.py          # rewrite the three files
    python tools/gather_results.py --check  # exit 1 if one is stale

The command line of :mod:`mmrethink.records.tables` (where each column
comes from), for this checkout.
"""
import os.path as osp
import sys

from mmrethink.records import tables

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def main(argv=None) -> int:
    return tables.main(argv, root=ROOT)


if __name__ == '__main__':
    sys.exit(main())
