"""Train a detector with an mmrethink (or any mmdet) config.

The command line of ``mmrethink.commands.train`` (its docstring says what
it takes); ``python -m mmrethink.commands.train`` runs the same.
"""
import sys

from mmrethink.commands.train import main

if __name__ == '__main__':
    sys.exit(main())
