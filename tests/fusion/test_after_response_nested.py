"""Work done after a response may defer work in turn (a record that notes the acting
credential's agency): that work is done too, not collected into the answered request."""

from fusion import after_response


def test_work_deferred_by_work_after_the_response_is_done():
    done: list[str] = []

    def inner() -> None:
        done.append("inner")

    def outer() -> None:
        done.append("outer")
        if not after_response.defer(inner):
            inner()

    with after_response.collecting() as jobs:
        assert after_response.defer(outer)
    after_response.hand_over(jobs)
    assert after_response.drain()
    assert done == ["outer", "inner"]
