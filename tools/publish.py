"""Turn a finished work dir into files ready to upload and a results record.

    python tools/publish.py WORK_DIR [--out-dir publish] [--results-dir results]

The command line of :mod:`mmrethink.records.publishing` (which says what
it writes); with the repository's ``results/`` it also regenerates the
README tables and ``metafile.yml`` (``tools/gather_results.py``).
"""
import os.path as osp
import sys

from mmrethink.records import publishing

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def main(argv=None) -> int:
    return publishing.main(argv, root=ROOT)


if __name__ == '__main__':
    sys.exit(main())
