"""The loop's one collective per iteration (mmrethink.runner.agreement),
with the other rank faked; tests/test_dist_cpu.py counts the all-reduces of
two real gloo processes."""
import pytest
import torch

from mmrethink.runner import agreement as agreement_module
from mmrethink.runner.agreement import IterationAgreement


@pytest.fixture
def two_ranks(monkeypatch):
    """A world of two ranks in which the other rank adds ``other``."""
    calls = []
    other = {'value': None}

    def all_reduce(tensor, op='sum'):
        assert op == 'sum'
        calls.append(tensor.clone())
        tensor += torch.tensor(other['value'] or [0] * len(tensor))

    monkeypatch.setattr(agreement_module, 'get_world_size', lambda: 2)
    monkeypatch.setattr(agreement_module, 'all_reduce', all_reduce)
    return calls, other


def test_one_all_reduce_per_iteration_carries_every_flag(two_ranks):
    calls, other = two_ranks
    state = {'stop': False}
    agreement = IterationAgreement()
    agreement.add('stop', lambda outputs: state['stop'])
    agreement.add('diverged',
                  lambda outputs: not torch.isfinite(outputs['loss']))
    finite = {'loss': torch.tensor(1.0)}
    # iteration 0: nothing here, a divergence on the other rank
    other['value'] = [1, 0]  # flags in name order: diverged, stop
    assert agreement.count(0, finite) == {'diverged': 1, 'stop': 0}
    state['stop'] = True  # a signal between the two parties' questions
    assert agreement.count(0, finite) == {'diverged': 1, 'stop': 0}
    assert len(calls) == 1 and agreement.collectives == 1
    # iteration 1: the signal counts now, with this rank's NaN
    other['value'] = [0, 0]
    counts = agreement.count(1, {'loss': torch.tensor(float('nan'))})
    assert counts == {'diverged': 1, 'stop': 1}
    assert len(calls) == 2
    assert calls[1].tolist() == [1, 1]  # this rank's flags, one vector


def test_one_process_needs_no_collective(monkeypatch):
    monkeypatch.setattr(agreement_module, 'all_reduce', None)  # not called
    agreement = IterationAgreement()
    agreement.add('stop', lambda outputs: True)
    assert agreement.count(0) == {'stop': 1}
    assert agreement.collectives == 0


def test_a_flag_registered_twice_is_refused():
    agreement = IterationAgreement()
    agreement.add('stop', lambda outputs: False)
    with pytest.raises(ValueError, match="'stop' is registered twice"):
        agreement.add('stop', lambda outputs: False)
