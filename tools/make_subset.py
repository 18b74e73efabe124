"""Write a fixed random subset of a COCO training set as its own files.

    python tools/make_subset.py data/coco/annotations/instances_train2017.json \
        --size 10000 --seed 0 --out-dir data/coco/subsets

writes ``<stem>_<size>-seed<seed>.json`` (a COCO annotation file with just
those images and their annotations) and ``<stem>_<size>-seed<seed>.txt`` (one
image id a line). The draw is the one
``InfiniteSubsetSampler`` makes with ``subset_size=SIZE, subset_seed=SEED``:
the same function over the same image list, i.e. mmdet's CocoDataset after
its training filter (images without annotations dropped, shorter side at
least ``--min-size``), so ``--size N`` gives exactly N training images. Use
the JSON as ``ann_file``, or the id list as the sampler's ``subset_file``.
"""
import argparse
import json
import os.path as osp
import sys

from mmdet.datasets import CocoDataset

from mmrethink.datasets.subset import dataset_image_ids, draw_subset
from mmrethink.fileio import atomic_write


def filtered_dataset(ann_file: str, min_size: int = 32) -> CocoDataset:
    """mmdet's training view of a COCO file: its classes, its filter."""
    with open(ann_file) as f:
        categories = json.load(f).get('categories')
    if not categories:
        raise ValueError(f'{ann_file}: no "categories" in this COCO file')
    classes = tuple(c['name'] for c in sorted(categories,
                                              key=lambda c: c['id']))
    return CocoDataset(
        ann_file=ann_file, metainfo=dict(classes=classes),
        data_prefix=dict(img=''), pipeline=[],
        filter_cfg=dict(filter_empty_gt=True, min_size=min_size))


def make_subset(ann_file: str, size, seed: int = 0, out_dir: str = None,
                min_size: int = 32) -> dict:
    """Draw the subset and write its annotation file and id list.

    Returns:
        dict: ``ann_file``, ``id_file`` and the sorted ``image_ids``.
    """
    if not osp.isfile(ann_file):
        raise FileNotFoundError(f'annotation file {ann_file} does not exist')
    dataset = filtered_dataset(ann_file, min_size)
    ids = dataset_image_ids(dataset)
    chosen = sorted(ids[i] for i in draw_subset(len(ids), size, seed))
    with open(ann_file) as f:
        coco = json.load(f)
    keep = set(chosen)
    subset = {k: v for k, v in coco.items()
              if k not in ('images', 'annotations')}
    subset['images'] = [im for im in coco['images'] if im['id'] in keep]
    subset['annotations'] = [a for a in coco['annotations']
                             if a['image_id'] in keep]
    out_dir = out_dir or osp.dirname(osp.abspath(ann_file))
    stem = osp.splitext(osp.basename(ann_file))[0]
    name = f'{stem}_{len(chosen)}-seed{seed}'
    out_ann = osp.join(out_dir, name + '.json')
    out_ids = osp.join(out_dir, name + '.txt')
    for path, text in ((out_ann, json.dumps(subset)),
                       (out_ids, '\n'.join(map(str, chosen)) + '\n')):
        atomic_write(text, path)
    return dict(ann_file=out_ann, id_file=out_ids, image_ids=chosen)


def parse_size(text: str):
    return float(text) if '.' in text else int(text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument('ann_file', help='COCO training annotation file')
    parser.add_argument('--size', type=parse_size, required=True,
                        help='images in the subset (int) or a fraction (0.1)')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--out-dir', help='default: beside ann_file')
    parser.add_argument('--min-size', type=int, default=32,
                        help="the configs' filter_cfg.min_size")
    args = parser.parse_args(argv)
    try:
        out = make_subset(args.ann_file, args.size, args.seed, args.out_dir,
                          args.min_size)
    except (ValueError, FileNotFoundError) as err:
        print(f'make_subset: {err}', file=sys.stderr)
        return 2
    print(f'{len(out["image_ids"])} images -> {out["ann_file"]}\n'
          f'image ids -> {out["id_file"]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
