namespace Dispatch.Actors.Tests;

public sealed class EventStreamSpec : ActorSpec
{
    [Fact]
    public void Subscribers_receive_events_of_their_type_and_its_subtypes()
    {
        var probe = Subscriber<Animal>();

        Sys.EventStream.Publish(new Dog("rex"));
        Sys.EventStream.Publish("not an animal");
        Sys.EventStream.Publish(new Animal("generic"));

        Assert.Equal("rex", probe.ExpectMsg<Dog>().Name);
        Assert.Equal("generic", probe.ExpectMsg<Animal>().Name);
        probe.ExpectNoMsg();
    }

    [Fact]
    public void Unsubscribe_stops_delivery_and_subscribing_twice_is_reported()
    {
        var probe = CreateTestProbe();
        Assert.True(Sys.EventStream.Subscribe<Animal>(probe.Ref));
        Assert.False(Sys.EventStream.Subscribe(probe.Ref, typeof(Animal)));

        Assert.True(Sys.EventStream.Unsubscribe(probe.Ref, typeof(Animal)));
        Assert.False(Sys.EventStream.Unsubscribe(probe.Ref));
        Sys.EventStream.Publish(new Animal("unheard"));

        probe.ExpectNoMsg();
    }

    [Fact]
    public void A_stopped_subscriber_is_unsubscribed()
    {
        var subscriber = Watch(Sys.ActorOf<EchoActor>());
        Sys.EventStream.Subscribe(subscriber, typeof(Animal));

        Sys.Stop(subscriber);
        ExpectTerminated(subscriber);

        AwaitCondition(() => !Sys.EventStream.Unsubscribe(subscriber));
    }

    public record Animal(string Name);

    public sealed record Dog(string Name) : Animal(Name);
}
