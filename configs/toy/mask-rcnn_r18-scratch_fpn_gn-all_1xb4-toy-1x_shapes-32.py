# Less data (the paper's §5, its 1k and 3.5k subsets): the toy scratch recipe
# on a fixed random subset of 32 of the 256 toy training images (1/8; COCO's
# 3.5k is 1/34, 1k 1/118), drawn once, the same for both arms. The length
# stays the toy 1x in iterations (768: 96 epochs of the 32 images), as the
# paper trains its small subsets far more epochs than the full set; the
# validation curve shows where it starts to overfit.
_base_ = './mask-rcnn_r18-scratch_fpn_gn-all_1xb4-toy-1x_shapes.py'

train_dataloader = dict(
    sampler=dict(type='InfiniteSubsetSampler', subset_size=32,
                 subset_seed=0))
