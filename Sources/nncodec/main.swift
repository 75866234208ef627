import NNCodecCommands

NNCodecCLI.main()
