import NNCodecCommands

await NNCodecCLI.main()
