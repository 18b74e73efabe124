# The pretrained arm of the toy less-data experiment
# (..._scratch_..._toy-1x_shapes-32.py): the same 32 images, the same length.
_base_ = './mask-rcnn_r18_fpn_gn-all_1xb4-toy-1x_shapes.py'

train_dataloader = dict(
    sampler=dict(type='InfiniteSubsetSampler', subset_size=32,
                 subset_seed=0))
