from titanium_common import context


def test_a_good_request_id_is_kept_and_a_bad_one_replaced():
    assert context.accept_request_id("abc-123") == "abc-123"
    replaced = context.accept_request_id("bad id\nwith newline")
    assert replaced != "bad id\nwith newline" and len(replaced) == 32


def test_a_valid_traceparent_is_continued_with_a_new_span():
    parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    trace_id, span_id, outgoing = context.accept_traceparent(parent)

    assert trace_id == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert span_id != "00f067aa0ba902b7"
    assert outgoing == f"00-{trace_id}-{span_id}-01"


def test_an_invalid_or_all_zero_traceparent_starts_a_new_trace():
    for bad in (None, "garbage", "00-" + "0" * 32 + "-00f067aa0ba902b7-01"):
        trace_id, _, outgoing = context.accept_traceparent(bad)
        assert trace_id != "0" * 32 and outgoing.startswith(f"00-{trace_id}-")


def test_outgoing_headers_carry_the_current_request():
    context.begin("req-1", None)

    headers = context.outgoing_headers()

    assert headers["X-Request-ID"] == "req-1"
    assert headers["traceparent"].startswith(f"00-{context.trace_id_var.get()}-")


def test_the_client_address_goes_out_with_the_request_it_came_with():
    context.begin("req-1", None)
    context.client_address_var.set("198.51.100.4")
    assert context.outgoing_headers()["X-Titanium-Client-Address"] == "198.51.100.4"

    context.begin("req-2", None)  # the next request, without one
    assert "X-Titanium-Client-Address" not in context.outgoing_headers()
