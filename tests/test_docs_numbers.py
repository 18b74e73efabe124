"""The numbers README.md and docs/ quote from tests, records and code are
the numbers there. Each claim names its page, the words around the number
(a pattern with one group) and where the number comes from; a quote that
drifts from its source, or whose words changed so that it is no longer
found, fails with all three."""
import csv
import os.path as osp
import re

import pytest

import test_roi_extractor
import test_vgg
from conftest import ROOT
from mmrethink.records.results import read_record

KEYPOINT_TOY = 'keypoint-mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-1x_figures'
RESULTS = osp.join(ROOT, 'results')


def _record(stem):
    record = read_record(RESULTS, stem)
    assert record is not None, f'results/{stem}.json is missing'
    return record


#: (page, pattern whose group is the quoted number, its source, the source
#: as a callable)
CLAIMS = [
    ('docs/toy.md', r'`tests/test_vgg\.py` trains it (\d+) iterations',
     'tests/test_vgg.py ITERS', lambda: test_vgg.ITERS),
    ('docs/toy.md', r'box AP50 of at least ([\d.]+) %',
     'tests/test_vgg.py MIN_AP50 (in %)', lambda: 100 * test_vgg.MIN_AP50),
    ('docs/toy.md', r'the same numbers, to ([\de.-]+) forward',
     'tests/test_roi_extractor.py FORWARD_TOL',
     lambda: test_roi_extractor.FORWARD_TOL),
    ('docs/toy.md', r'forward and ([\de.-]+) backward',
     'tests/test_roi_extractor.py BACKWARD_TOL',
     lambda: test_roi_extractor.BACKWARD_TOL),
    ('docs/keypoints.md', r'\| ([\d.]+) \| [\d.]+ \| [\d.]+ \(best',
     f'results/{KEYPOINT_TOY}.json box_ap',
     lambda: _record(KEYPOINT_TOY).box_ap),
    ('docs/keypoints.md', r'\| [\d.]+ \| ([\d.]+) \| [\d.]+ \(best',
     f'results/{KEYPOINT_TOY}.json mask_ap',
     lambda: _record(KEYPOINT_TOY).mask_ap),
    ('docs/keypoints.md', r'\| ([\d.]+) \(best [\d.]+ at \d+\)',
     f'results/{KEYPOINT_TOY}.json keypoint_ap',
     lambda: _record(KEYPOINT_TOY).keypoint_ap),
    ('docs/keypoints.md', r'\(best [\d.]+ at \d+\) \| ([\d.]+) \|',
     f'results/{KEYPOINT_TOY}.json keypoint_ap50',
     lambda: _record(KEYPOINT_TOY).keypoint_ap50),
    ('docs/keypoints.md', r'toy 1x \(\d+ it, ([\d.]+) s/it',
     f'results/{KEYPOINT_TOY}.json sec_per_iter (2 decimals)',
     lambda: round(_record(KEYPOINT_TOY).sec_per_iter, 2)),
    ('docs/keypoints.md', r'toy 1x \((\d+) it,',
     f'results/{KEYPOINT_TOY}.json iterations',
     lambda: _record(KEYPOINT_TOY).iterations),
    ('docs/keypoints.md', r'with (\d+) validations',
     f'results/{KEYPOINT_TOY}.json curve_box_ap (its points)',
     lambda: len(_record(KEYPOINT_TOY).curve_box_ap)),
]


@pytest.mark.parametrize('page, pattern, source, value', CLAIMS,
                         ids=[f'{c[0]}:{c[2]}' for c in CLAIMS])
def test_a_quoted_number_is_its_source(page, pattern, source, value):
    with open(osp.join(ROOT, page)) as f:
        text = f.read()
    found = re.findall(pattern, text)
    assert len(found) == 1, (
        f'{page}: {len(found)} quotes match {pattern!r} (expected one: '
        f'the quote of {source})')
    assert float(found[0]) == pytest.approx(value(), abs=1e-9), (
        f'{page} quotes {found[0]} ({pattern!r}); {source} is {value()}')


def _study_rows(text):
    """The rows ``| images | instances | arm | AP at each length ... |``
    of a study table."""
    return re.findall(r'^\| (\d+) \| \d+ \| (scratch|pretrained) \| '
                      r'([-\d. |]+?) \| [\d.]+ \| -?[\d.]+ \| (?:yes|no) \|$',
                      text, re.M)


ARM_STEMS = {'scratch': 'mask-rcnn_r18-scratch_fpn_gn-all',
             'pretrained': 'mask-rcnn_r18_fpn_gn-all'}
STUDY_SIZES = (128, 512, 2048)
STUDY_LENGTHS = (768, 1536, 3072)


def _box_ap(arm, length, size):
    return _record(f'{ARM_STEMS[arm]}_1xb4-{length}it_shapes-{size}').box_ap


def test_the_study_table_quotes_the_records():
    """Every box AP in docs/toy.md's study table (size, arm, one column
    per schedule length) is that run's record."""
    with open(osp.join(ROOT, 'docs', 'toy.md')) as f:
        text = f.read()
    header = re.search(r'^\| images \| instances / class \| arm \| (.*?) \| '
                       r'best \|', text, re.M)
    lengths = [int(c.split()[0]) for c in header.group(1).split(' | ')]
    rows = _study_rows(text)
    assert len(rows) == len(STUDY_SIZES) * 2, rows
    for size, arm, cells in rows:
        quoted = [float(c) for c in cells.split(' | ')]
        assert quoted == [_box_ap(arm, n, int(size)) for n in lengths], (
            size, arm)


def test_the_readme_quotes_the_studys_gaps():
    """The README's toy finding: pretrained minus scratch, each at its
    best length, at each size (the records)."""
    with open(osp.join(ROOT, 'README.md')) as f:
        text = f.read()
    found = re.search(r'gap stays at \+([\d.]+) / \+([\d.]+) / \+([\d.]+) '
                      r'box AP', text)
    assert found, 'README.md no longer quotes the toy study\'s gaps'
    gaps = [max(_box_ap('pretrained', n, size) for n in STUDY_LENGTHS)
            - max(_box_ap('scratch', n, size) for n in STUDY_LENGTHS)
            for size in STUDY_SIZES]
    assert [float(g) for g in found.groups()] == [round(g, 1) for g in gaps]
    # at the instances per class the study counted (its table's file)
    per_class = re.search(r'box AP at\s+(\d+) / (\d+) / (\d+) instances per '
                          r'class', text)
    assert per_class, 'README.md no longer says at how many instances'
    with open(osp.join(ROOT, 'docs', 'figures', 'toy_study.csv')) as f:
        counted = {int(r['size']): int(r['per_class'])
                   for r in csv.DictReader(f)}
    assert [int(n) for n in per_class.groups()] == [
        counted[size] for size in STUDY_SIZES]


def test_the_protocol_studys_table_quotes_its_records():
    """docs/toy.md's table of each part of the protocol study: every box
    AP is that run's record, and the part's instances per class too."""
    with open(osp.join(ROOT, 'docs', 'toy.md')) as f:
        text = f.read()
    rows = re.findall(r'^\| (scratch|pretrained) \(?[^|]*\| ([\d.]+) \| '
                      r'([\d.]+) \| ([\d.]+) \| ([\d.]+) \| ([\d.]+) \| '
                      r'(-?[\d.]+) \| (yes|no) \|$', text, re.M)
    assert len(rows) == 2, rows
    stems = {'scratch': 'mask-rcnn_r18-scratch_fpn_gn-all',
             'pretrained': 'mask-rcnn_r18_fpn_gn-all'}
    for arm, *cells in rows:
        aps = [_record(f'{stems[arm]}_1xb4-{n}it_scenes-1024').box_ap
               for n in (3072, 6144, 12288, 24576)]
        assert [float(c) for c in cells[:4]] == aps, arm
        assert float(cells[4]) == max(aps)
        assert float(cells[5]) == round(aps[-1] - aps[-2], 1)
    part = re.search(r'\*\*Part A \((\d+) images, (\d+) instances per class',
                     text)
    record = _record('mask-rcnn_r18-scratch_fpn_gn-all_1xb4-24576it_'
                     'scenes-1024')
    assert (int(part.group(1)), float(part.group(2))) == (
        record.train_images, round(record.instances_per_class))
