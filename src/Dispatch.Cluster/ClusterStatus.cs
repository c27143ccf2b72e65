using Dispatch.Cluster.Budget;
using Dispatch.Cluster.Membership;

namespace Dispatch.Cluster;

/// <summary>What <c>dispatch node status</c> shows of a cluster.</summary>
/// <param name="Nodes">The live nodes, by name.</param>
/// <param name="Budgets">Each endpoint's shared credits, by endpoint name.</param>
public sealed record ClusterStatus(IReadOnlyList<NodeInfo> Nodes, IReadOnlyDictionary<string, BudgetUsage> Budgets);
