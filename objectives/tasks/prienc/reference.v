// prienc: 16-bit priority encoder, the most significant set bit wins.
module prienc (
    input  wire [15:0] in,
    output reg  [3:0]  idx,
    output wire        valid
);

    reg [4:0] i;   // loop variable (unsigned, so no signed wire reaches the netlist)

    // Scan from the LSB upwards; a later (higher) set bit overrides.
    always @(*) begin
        idx = 4'd0;
        for (i = 0; i < 16; i = i + 1)
            if (in[i])
                idx = i[3:0];
    end

    assign valid = |in;

endmodule
