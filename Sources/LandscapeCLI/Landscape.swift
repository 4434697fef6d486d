import ArgumentParser

@main
struct LandscapeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "landscape",
        abstract: "The exact loss landscape of tied single-latent SAEs on correlated features.",
        subcommands: [])
}
