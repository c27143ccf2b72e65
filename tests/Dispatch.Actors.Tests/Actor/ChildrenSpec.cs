namespace Dispatch.Actors.Tests;

public sealed class ChildrenSpec : ActorSpec
{
    [Fact]
    public void Children_and_Child_find_live_children_by_name()
    {
        var parent = Sys.ActorOf<Family>("parent");

        parent.Tell("report");

        ExpectMsg("a,b|dispatch://test/user/parent/a|nobody");
    }

    [Fact]
    public void A_duplicate_child_name_inside_an_actor_throws_InvalidActorNameException()
    {
        var parent = Sys.ActorOf<Family>();

        parent.Tell("duplicate");

        Assert.Contains("not unique", ExpectMsg<string>());
    }

    [Fact]
    public void An_invalid_child_name_inside_an_actor_throws_InvalidActorNameException()
    {
        var parent = Sys.ActorOf<Family>();

        parent.Tell("invalid");

        Assert.Contains("Invalid actor name 'no spaces'", ExpectMsg<string>());
    }

    [Fact]
    public void A_stopped_child_leaves_Children()
    {
        var parent = Sys.ActorOf<Family>();

        parent.Tell("stop a");

        ExpectMsg("b");
    }

    public sealed class Family : ReceiveActor
    {
        public Family()
        {
            var a = Context.ActorOf<EchoActor>("a");
            var requester = ActorRefs.Nobody;
            Context.ActorOf<EchoActor>("b");
            Receive<string>(s => s == "report", _ =>
            {
                var names = string.Join(",", Context.Children.Select(c => c.Path.Name).Order(StringComparer.Ordinal));
                Sender.Tell($"{names}|{Context.Child("a").Path}|{Context.Child("zzz").Path.Name}");
            });
            Receive<string>(s => s == "duplicate", _ => Reply(() => Context.ActorOf<EchoActor>("a")));
            Receive<string>(s => s == "invalid", _ => Reply(() => Context.ActorOf(Props.Create<EchoActor>(), "no spaces")));
            Receive<string>(s => s == "stop a", _ =>
            {
                requester = Sender;
                Context.Watch(a);
                Context.Stop(a);
            });
            Receive<Terminated>(_ => requester.Tell(string.Join(",", Context.Children.Select(c => c.Path.Name))));
        }

        private void Reply(Func<IActorRef> create)
        {
            try
            {
                create();
                Sender.Tell("created");
            }
            catch (InvalidActorNameException e)
            {
                Sender.Tell(e.Message);
            }
        }
    }
}
