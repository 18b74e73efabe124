"""Pre-train the toy detector's backbone on the toy world's "ImageNet".

The command line of ``mmrethink.commands.pretrain_toy_backbone`` (its
docstring says what it takes); ``python -m
mmrethink.commands.pretrain_toy_backbone`` runs the same.
"""
import sys

from mmrethink.commands.pretrain_toy_backbone import main

if __name__ == '__main__':
    sys.exit(main())
