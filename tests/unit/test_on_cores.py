"""generator.threads.deal and on_cores: pieces dealt by size, run on one torch thread each."""

import threading

import torch

from generator.threads import deal, on_cores


def test_deal_gives_largest_first_to_the_least_loaded_share():
    # sizes 5, 4, 3, 2, 1 -> 5 to A; 4 to B; 3 to B (4 < 5); 2 to A (5 < 7); 1 to A or B (7, 7)
    assert deal([5, 4, 3, 2, 1], 2) == [[0, 3, 4], [1, 2]]
    assert deal([1, 1, 1], 5) == [[0], [1], [2]]  # empty shares left out
    assert deal([], 2) == []


def test_on_cores_runs_every_share_on_one_torch_thread_and_restores_the_setting():
    before = torch.get_num_threads()
    seen: list[tuple[list[int], int, str]] = []
    lock = threading.Lock()

    def work(share: list[int]) -> None:
        with lock:
            seen.append((share, torch.get_num_threads(), threading.current_thread().name))

    on_cores(work, [[0, 1], [2]])
    assert sorted(s for s, _, _ in seen) == [[0, 1], [2]]
    assert all(n == 1 for _, n, _ in seen)
    assert torch.get_num_threads() == before
