using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.DependencyInjection;

namespace Dispatch.Hosting.Telemetry;

/// <summary>
/// The <see cref="DispatchMetrics"/> an actor system reports on: the host's (registered by <c>AddDispatch</c>), else
/// its own, disposed when the system terminates. One per system (an Akka extension), so the pipeline and a proxy on the
/// same node feed the same instruments.
/// </summary>
internal sealed class SystemMetrics : IExtension
{
    private SystemMetrics(DispatchMetrics metrics) => Metrics = metrics;

    /// <summary>The instruments.</summary>
    public DispatchMetrics Metrics { get; }

    /// <summary>The instruments <paramref name="system"/> reports on, made the first time they are asked for.</summary>
    /// <param name="system">The node's actor system.</param>
    public static DispatchMetrics Of(ActorSystem system) => ((SystemMetrics)system.RegisterExtension(Id.Instance)).Metrics;

    private sealed class Id : ExtensionIdProvider<SystemMetrics>
    {
        public static readonly Id Instance = new();

        public override SystemMetrics CreateExtension(ExtendedActorSystem system)
        {
            var services = DependencyResolver.For(system).Resolver;
            if (services.GetService<DispatchMetrics>() is { } hosted) return new SystemMetrics(hosted);
            var own = new DispatchMetrics(services.GetService<IMeterFactory>());
            system.WhenTerminated.ContinueWith(_ => own.Dispose(), TaskScheduler.Default);
            return new SystemMetrics(own);
        }
    }
}
