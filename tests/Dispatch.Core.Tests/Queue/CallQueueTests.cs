using Dispatch.Core.Queue;

namespace Dispatch.Core.Tests.Queue;

public class CallQueueTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Items_come_out_in_the_order_they_went_in()
    {
        var queue = new CallQueue<string>(10);
        queue.TryEnqueue("a", "A");
        queue.TryEnqueue("b", "B");
        queue.TryEnqueue("c", "C");

        var order = new List<string>();
        while (queue.TryDequeue(out var item)) order.Add(item);

        Assert.Equal(["A", "B", "C"], order);
    }

    [Fact]
    public void A_full_queue_refuses_the_next_item()
    {
        var queue = new CallQueue<string>(2);
        queue.TryEnqueue("a", "A");
        queue.TryEnqueue("b", "B");

        var result = queue.TryEnqueue("c", "C");

        Assert.Equal(EnqueueResult.Full, result);
        Assert.Equal(2, queue.Count);
    }

    [Fact]
    public void A_queued_id_cannot_be_queued_twice()
    {
        var queue = new CallQueue<string>(10);
        queue.TryEnqueue("a", "A");

        var result = queue.TryEnqueue("a", "A again");

        Assert.Equal(EnqueueResult.DuplicateId, result);
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public void Removing_by_id_takes_the_item_out_of_the_middle_and_keeps_the_rest_in_order()
    {
        var queue = new CallQueue<string>(10);
        queue.TryEnqueue("a", "A");
        queue.TryEnqueue("b", "B");
        queue.TryEnqueue("c", "C");

        var removed = queue.TryRemove("b", out var item);

        Assert.True(removed);
        Assert.Equal("B", item);
        Assert.True(queue.TryDequeue(out var first));
        Assert.True(queue.TryDequeue(out var second));
        Assert.Equal(("A", "C"), (first, second));
    }

    [Fact]
    public void Removing_frees_room_for_another_item()
    {
        var queue = new CallQueue<string>(1);
        queue.TryEnqueue("a", "A");
        queue.TryRemove("a", out _);

        var result = queue.TryEnqueue("b", "B");

        Assert.Equal(EnqueueResult.Enqueued, result);
    }

    [Fact]
    public void Expired_items_are_removed_and_the_others_stay_queued()
    {
        var queue = new CallQueue<string>(10);
        queue.TryEnqueue("late", "late", T0.AddSeconds(10));
        queue.TryEnqueue("none", "none");
        queue.TryEnqueue("early", "early", T0.AddSeconds(1));
        var expired = new List<string>();

        var count = queue.RemoveExpired(T0.AddSeconds(5), expired);

        Assert.Equal(1, count);
        Assert.Equal(["early"], expired);
        Assert.Equal(2, queue.Count);
        Assert.Equal(T0.AddSeconds(10), queue.NextDeadline);
    }

    [Fact]
    public void The_next_deadline_skips_items_that_already_left_the_queue()
    {
        var queue = new CallQueue<string>(10);
        queue.TryEnqueue("a", "A", T0.AddSeconds(1));
        queue.TryEnqueue("b", "B", T0.AddSeconds(2));
        queue.TryDequeue(out _);

        Assert.Equal(T0.AddSeconds(2), queue.NextDeadline);
    }

    [Fact]
    public void A_requeued_id_is_expired_by_its_new_deadline_not_its_old_one()
    {
        var queue = new CallQueue<string>(10);
        queue.TryEnqueue("a", "first", T0.AddSeconds(1));
        queue.TryRemove("a", out _);
        queue.TryEnqueue("a", "second", T0.AddSeconds(100));
        var expired = new List<string>();

        queue.RemoveExpired(T0.AddSeconds(5), expired);

        Assert.Empty(expired);
        Assert.True(queue.Contains("a"));
    }

    [Fact]
    public void Many_dequeued_items_with_long_deadlines_do_not_accumulate()
    {
        var queue = new CallQueue<int>(10);
        for (var i = 0; i < 100_000; i++)
        {
            queue.TryEnqueue(i.ToString(), i, T0.AddDays(1));
            queue.TryDequeue(out _);
        }

        Assert.Equal(0, queue.Count);
        Assert.Null(queue.NextDeadline);
    }

    [Fact]
    public void Draining_returns_every_item_in_order_and_empties_the_queue()
    {
        var queue = new CallQueue<string>(10);
        queue.TryEnqueue("a", "A", T0);
        queue.TryEnqueue("b", "B");
        var drained = new List<string>();

        queue.DrainTo(drained);

        Assert.Equal(["A", "B"], drained);
        Assert.Equal(0, queue.Count);
        Assert.Null(queue.NextDeadline);
    }
}
