"""Evaluate a checkpoint with an mmrethink (or any mmdet) config.

The command line of ``mmrethink.commands.test`` (its docstring says what
it takes); ``python -m mmrethink.commands.test`` runs the same.
"""
import sys

from mmrethink.commands.test import main

if __name__ == '__main__':
    sys.exit(main())
