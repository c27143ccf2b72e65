namespace Dispatch.Cluster.Protocol;

/// <summary>
/// Every message of the quota protocol that crosses the network between a node's lease client and
/// an endpoint's owner. They are plain records of strings, numbers and durations that Akka's default
/// serializer carries as they are; a host that binds its own serializer binds it to this interface.
/// </summary>
public interface IQuotaMessage;
