"""Regenerate the README's result tables and ``metafile.yml`` from the
configs and the results records.

    python tools/gather_results.py          # rewrite README.md and metafile
    python tools/gather_results.py --check  # exit 1 if either is stale

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
