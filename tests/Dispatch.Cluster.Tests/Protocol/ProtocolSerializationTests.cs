using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using Dispatch.Cluster.Protocol;
using Xunit.Abstractions;

namespace Dispatch.Cluster.Tests.Protocol;

/// <summary>The quota protocol crosses the network: every message makes a round trip between two actor systems over Akka.Remote on loopback.</summary>
public class ProtocolSerializationTests : Akka.TestKit.Xunit2.TestKit, IAsyncLifetime
{
    private const string RemoteConfig = """
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        akka.remote.dot-netty.tcp.port = 0
        akka.loglevel = WARNING
        """;

    private readonly ITestOutputHelper _output;
    private ActorSystem _other = null!;
    private ActorSelection _echo = null!;

    public ProtocolSerializationTests(ITestOutputHelper output)
        : base(RemoteConfig, "dispatch", output)
    {
        _output = output;
    }

    public static TheoryData<string> Messages => new(Samples.Keys);

    private static Dictionary<string, IQuotaMessage> Samples { get; } = new IQuotaMessage[]
    {
        new RequestLease("openai-chat", 42, 1, 250, 16, 4000, [new LeaseReturn(-8_123_456_789, 7, 3, 812), new LeaseReturn(5, 8, 0, 0)]),
        new RequestLease("api", 1, 1, 0, 4, 0, []),
        new ReturnLeases("api", [new LeaseReturn(long.MaxValue, long.MinValue, int.MaxValue, 0)]),
        new LeaseGranted("api", 43, -8_123_456_789, 9, 12, 3000, TimeSpan.FromMilliseconds(12.5), TimeSpan.FromMilliseconds(50)),
        new LeaseGranted("api", 46, 5, 10, 9, 900, TimeSpan.Zero, TimeSpan.FromMilliseconds(50), new LeasePace(40, 4000, 1, 100, 4, 392), new LeasePace(40, 4000, 1, 300)),
        new RequestLease("api", 2, 1, 100, 9, 900, [], 160),
        new LeaseDeferred("api", 44),
        new LeaseCut("api", -8_123_456_789, 9, 12, 7, 700, new LeasePace(20, 2000, 1, 100, 2, 196), new LeasePace(20, 2000, 2, 250)),
        new EndpointPaused("api", TimeSpan.FromTicks(19_999_999)),
        new GetQuotaStatus("api"),
        new EndpointQuotaStatus("api", "akka.tcp://dispatch@127.0.0.1:4053", DateTimeOffset.Parse("2026-01-01T00:00:01.0700000+00:00"), null, 60, 6000,
            [new NodeLease("akka.tcp://dispatch@127.0.0.1:4053", 12, 1200), new NodeLease("akka.tcp://dispatch@127.0.0.1:4054", 4, 400)]),
        new EndpointQuotaStatus("api", null, null, DateTimeOffset.Parse("2026-01-01T00:00:03+02:00"), 0, 0, []),
        new QuotaHandOver("api", -8_123_456_789, "akka.tcp://dispatch@127.0.0.1:4053", "akka.tcp://dispatch@127.0.0.1:4054", TimeSpan.Zero, TimeSpan.FromMilliseconds(1500),
            [new HandedOverLease(-8_123_456_789, 7, "akka.tcp://dispatch@127.0.0.1:4054", 12, 1200, false, TimeSpan.FromMilliseconds(37.5)),
             new HandedOverLease(5, 3, "akka.tcp://dispatch@127.0.0.1:4053", 2, 0, true, TimeSpan.FromMilliseconds(-800)),
             new HandedOverLease(5, 4, "akka.tcp://dispatch@127.0.0.1:4055", 9, 0, false, TimeSpan.FromMilliseconds(20), new LeasePace(40, 0, 1, 1, 4, 0), new LeasePace(40, 0, 2, 1))]),
        new QuotaHandOver("api", 1, "a", "b", TimeSpan.FromSeconds(1), TimeSpan.Zero, []),
        new QuotaHandOver("api", 2, "a", "b", TimeSpan.Zero, TimeSpan.Zero, [], 120, null),
        new LeaseRequestDropped("api", 45),
        new LeaveQuota("api", [new LeaseReturn(-8_123_456_789, 7, 3, 812)]),
        new QuotaLeft("api", "akka.tcp://dispatch@127.0.0.1:4053", 9, -12),
        new LimitObserved("api", 100, 37, TimeSpan.FromMilliseconds(8500), 61, 30, 40_000, 1_234, TimeSpan.FromTicks(12_345_678), 25_000, 12_000, null, 12),
        new LimitObserved("api", null, null, null, 0, 0, null, null, null, 0, 0, new LeaseNumber(-8_123_456_789, 7), 0),
        new LimitsInForce("api", 70, null),
        new EndpointQuotaStatus("api", "akka.tcp://dispatch@127.0.0.1:4053", null, null, 50, 0, [], 200, 100, 60_000, 30_000),
    }.ToDictionary(m => JsonSerializer.Serialize(m, m.GetType()), m => m);

    public Task InitializeAsync()
    {
        _other = ActorSystem.Create("dispatch", ConfigurationFactory.ParseString(RemoteConfig));
        _other.ActorOf(Props.Create(() => new Echo()), "echo");
        var address = ((ExtendedActorSystem)_other).Provider.DefaultAddress;
        _echo = Sys.ActorSelection(new RootActorPath(address) / "user" / "echo");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _other.Terminate();

    [Theory]
    [MemberData(nameof(Messages))]
    public void A_protocol_message_arrives_whole_in_another_actor_system_and_back(string json)
    {
        var message = Samples[json];

        _echo.Tell(message, TestActor);
        var back = ExpectMsg<IQuotaMessage>(TimeSpan.FromSeconds(10));

        Assert.NotSame(message, back);
        Assert.Equal(message.GetType(), back.GetType());
        Assert.Equal(json, JsonSerializer.Serialize(back, back.GetType()));
        _output.WriteLine($"{message.GetType().Name}: {Sys.Serialization.FindSerializerFor(message).GetType().Name}");
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo() => ReceiveAny(message => Sender.Tell(message));
    }
}
