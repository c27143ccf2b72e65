using Akka.Actor;
using Dispatch.Cluster.Leasing;
using Dispatch.Cluster.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace Dispatch.Cluster.Tests.Leasing;

public class HandOverSlotTests
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromMilliseconds(1070);
    private static readonly QuotaHandOver Window = new("api", 1, "akka.tcp://dispatch@127.0.0.1:4053", "akka.tcp://dispatch@127.0.0.1:4054", TimeSpan.Zero, TimeSpan.Zero, []);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly IActorRef _owner = ActorRefs.Nobody;

    private DateTimeOffset Now => _time.GetUtcNow();

    [Fact]
    public void A_window_that_arrived_first_goes_to_the_owner_that_asks_and_to_no_one_after()
    {
        var slot = new HandOverSlot(MaxAge);

        var waiting = slot.Arrive(Window, Now);
        var first = slot.Take(_owner, Now);
        var second = slot.Take(_owner, Now);

        Assert.Null(waiting);
        Assert.Same(Window, first);
        Assert.Null(second);
    }

    [Fact]
    public void A_window_that_arrives_after_the_owner_asked_goes_to_that_owner_once()
    {
        var slot = new HandOverSlot(MaxAge);

        var early = slot.Take(_owner, Now);
        var forwardTo = slot.Arrive(Window, Now);
        var again = slot.Take(_owner, Now);

        Assert.Null(early);
        Assert.Same(_owner, forwardTo);
        Assert.Null(again);
    }

    [Fact]
    public void A_window_that_arrives_after_the_asking_owner_stopped_is_kept_for_the_next_owner()
    {
        var slot = new HandOverSlot(MaxAge);
        slot.Take(_owner, Now);
        slot.Forget(_owner);

        var forwardTo = slot.Arrive(Window, Now);
        var next = slot.Take(ActorRefs.Nobody, Now);

        Assert.Null(forwardTo);
        Assert.Same(Window, next);
    }

    [Fact]
    public void A_window_older_than_one_window_and_one_span_is_not_given_out()
    {
        var slot = new HandOverSlot(MaxAge);
        slot.Arrive(Window, Now);
        _time.Advance(MaxAge);

        Assert.Null(slot.Take(_owner, Now));
    }

    [Fact]
    public void A_window_just_within_its_age_is_given_out()
    {
        var slot = new HandOverSlot(MaxAge);
        slot.Arrive(Window, Now);
        _time.Advance(MaxAge - TimeSpan.FromTicks(1));

        Assert.Same(Window, slot.Take(_owner, Now));
    }
}
