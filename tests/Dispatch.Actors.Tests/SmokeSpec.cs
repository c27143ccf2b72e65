namespace Dispatch.Actors.Tests;

public sealed class SmokeSpec : ActorSpec
{
    [Fact]
    public void Tell_from_test_code_has_the_test_actor_as_implicit_sender()
    {
        var echo = Sys.ActorOf<EchoActor>("echo");
        echo.Tell("hello");
        ExpectMsg("hello");
        Assert.Equal(echo, LastSender);
    }

    [Fact]
    public async Task Tell_from_an_async_test_has_the_test_actor_as_implicit_sender()
    {
        var echo = Sys.ActorOf<EchoActor>();
        await Task.Yield();
        echo.Tell("hello");
        await ExpectMsgAsync("hello");
    }
}
