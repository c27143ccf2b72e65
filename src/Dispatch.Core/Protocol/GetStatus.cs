namespace Dispatch.Core.Protocol;

/// <summary>
/// Asks for a status snapshot. Answered with a <see cref="StatusSnapshot"/> for one endpoint,
/// or a <see cref="DispatchStatus"/> for all when <paramref name="Endpoint"/> is <see langword="null"/>.
/// </summary>
/// <param name="Endpoint">The endpoint to report on; <see langword="null"/> for all.</param>
public sealed record GetStatus(string? Endpoint = null);
