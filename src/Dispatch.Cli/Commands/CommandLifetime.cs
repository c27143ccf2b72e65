using Akka.Hosting;
using Microsoft.Extensions.Hosting;

namespace Dispatch.Cli.Commands;

/// <summary>
/// The host lifetime of a command that handles Ctrl-C and SIGTERM itself (<see cref="Termination"/>): the
/// host does not react to signals, so the command decides when its node drains — after it has stopped
/// submitting, not while it still submits (the drain refuses every new call).
/// </summary>
/// <remarks>
/// The generic host's console lifetime would begin the drain at the first signal, and Akka's CLR exit hook
/// would run the whole coordinated shutdown inside the process's exit, so a second Ctrl-C could not end the
/// process at once; <see cref="WithoutClrExitHook"/> turns the hook off. The command stops the host itself.
/// </remarks>
internal sealed class CommandLifetime : IHostLifetime
{
    /// <inheritdoc />
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Turns Akka's CLR exit hook off for the node's actor system (for <c>DispatchBuilder.ConfigureAkka</c>).</summary>
    /// <param name="akka">The node's Akka.Hosting builder.</param>
    /// <param name="services">The host's services (unused).</param>
    public static void WithoutClrExitHook(AkkaConfigurationBuilder akka, IServiceProvider services) =>
        akka.AddHocon("akka.coordinated-shutdown.run-by-clr-shutdown-hook = off", HoconAddMode.Prepend);
}
