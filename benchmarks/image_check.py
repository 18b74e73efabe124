"""The start-up check that every image exists: one ``stat`` per file vs
one directory listing per folder (what ``CheckedCocoDataset`` does).

    python benchmarks/image_check.py [--files 118287] [--reps 3]

Creates a COCO train2017-sized folder of empty files in a temporary
directory (or ``--dir`` on the file system to measure, e.g. a shared one),
then times both ways side by side (alternating order, median over
``--reps``) and prints the ratio. On a shared file system each ``stat`` is
a round trip to the server, and a launch on 8 ranks used to pay it 8
times; the listing is done once per launch, on rank 0.
"""
import argparse
import os
import os.path as osp
import statistics
import sys
import tempfile
import time

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
from mmrethink.datasets.checked_coco import missing_files  # noqa: E402


def stat_each(paths):
    return [p for p in paths if not osp.isfile(p)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--files', type=int, default=118287,
                        help='images (COCO train2017 has 118,287)')
    parser.add_argument('--reps', type=int, default=3)
    parser.add_argument('--dir', help='where to create the folder')
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = osp.join(tmp, 'train2017')
        os.makedirs(folder)
        t0 = time.perf_counter()
        paths = []
        for i in range(args.files):
            path = osp.join(folder, f'{i:012d}.jpg')
            open(path, 'wb').close()
            paths.append(path)
        print(f'{args.files} files created in '
              f'{time.perf_counter() - t0:.1f} s under {tmp}', flush=True)
        paths.append(osp.join(folder, 'missing.jpg'))
        times = {'stat each file': [], 'list the folder': []}
        for rep in range(args.reps):
            order = list(times) if rep % 2 == 0 else list(times)[::-1]
            for way in order:
                check = stat_each if way == 'stat each file' else \
                    missing_files
                t0 = time.perf_counter()
                missing = check(paths)
                times[way].append(time.perf_counter() - t0)
                assert missing == [paths[-1]], missing[:3]
        med = {k: statistics.median(v) for k, v in times.items()}
        for way, t in med.items():
            print(f'{way:16s} median {t:7.3f} s  (per rep: '
                  + ' '.join(f'{x:.3f}' for x in times[way]) + ')')
        print(f'ratio stat / listing: '
              f'{med["stat each file"] / med["list the folder"]:.2f}x')


if __name__ == '__main__':
    main()
