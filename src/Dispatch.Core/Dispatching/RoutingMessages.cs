using Akka.Actor;

namespace Dispatch.Core.Dispatching;

/// <summary>Client → dispatch: which actor serves each endpoint? Answered with <see cref="EndpointRoutes"/>.</summary>
internal sealed class GetRoutes
{
    public static readonly GetRoutes Instance = new();

    private GetRoutes()
    {
    }
}

/// <summary>Dispatch → client: the endpoint supervisors by endpoint name (none once the node drains, so every call comes to the dispatch actor to be refused).</summary>
internal sealed record EndpointRoutes(IReadOnlyDictionary<string, IActorRef> Endpoints);
