"""Plot validation AP against iterations for one or more runs (the
paper's Figs. 1 and 4).

    python tools/plot_curves.py work_dirs/RUN_A work_dirs/RUN_B \
        --labels scratch pretrained --out curves.png --csv curves.csv

The command line of :mod:`mmrethink.records.plots` (``--help`` says the
rest).
"""
import sys

from mmrethink.records.plots import main

if __name__ == '__main__':
    sys.exit(main())
