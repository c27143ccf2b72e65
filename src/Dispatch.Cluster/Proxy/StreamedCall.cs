using Akka.Streams;
using Dispatch.Core.Protocol;

namespace Dispatch.Cluster.Proxy;

/// <summary>
/// A call whose caller reads its answer as it arrives (<see cref="APICalling.ResponseStream"/>), as a
/// <see cref="DispatchProxy"/> sends it to a <c>dispatch</c> node's <see cref="StreamedCallReceiver"/>: the call
/// without its local stream, and an Akka.Streams <see cref="ISinkRef{TIn}"/> into that stream on the proxy's node.
/// The dispatch node writes the answer's <see cref="ResponseStreamStart"/> and then each chunk (a <see cref="byte"/>
/// array) into <paramref name="Answer"/>, completes it, and only then sends the call's one <see cref="APICallResult"/>.
/// </summary>
/// <param name="Call">The call, its <see cref="APICalling.ResponseStream"/> left behind.</param>
/// <param name="Answer">Where the answer goes, chunk by chunk, back to the proxy's node.</param>
public sealed record StreamedCall(APICalling Call, ISinkRef<object> Answer);
