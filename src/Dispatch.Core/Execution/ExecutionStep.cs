using Dispatch.Core.Protocol;

namespace Dispatch.Core.Execution;

/// <summary>What an executor does after an attempt.</summary>
public enum ExecutionStepKind
{
    /// <summary>The call is finished; send <see cref="ExecutionStep.Result"/> to the caller.</summary>
    Finish = 0,

    /// <summary>Wait <see cref="ExecutionStep.Delay"/>, then acquire credits and try again.</summary>
    Retry,
}

/// <summary>The answer of <see cref="ExecutionController.OnAttemptFinished"/>.</summary>
/// <param name="Kind">Finish or retry.</param>
/// <param name="Result">The final result, when finishing.</param>
/// <param name="Delay">The backoff, when retrying.</param>
public readonly record struct ExecutionStep(ExecutionStepKind Kind, APICallResult? Result, TimeSpan Delay)
{
    /// <summary>Finish with a result.</summary>
    /// <param name="result">The final result.</param>
    public static ExecutionStep Finish(APICallResult result) => new(ExecutionStepKind.Finish, result, TimeSpan.Zero);

    /// <summary>Retry after a delay.</summary>
    /// <param name="delay">The backoff.</param>
    public static ExecutionStep RetryAfter(TimeSpan delay) => new(ExecutionStepKind.Retry, null, delay);
}
