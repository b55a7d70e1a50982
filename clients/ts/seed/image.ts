// The TypeScript snippet "Image Generation" of the calling guide (seed 000), as written but for its
// placeholders: the URL's base is $CORDWIRE_BASE_URL, the key $CORDWIRE_API_KEY (it names no model).
// make clients-check runs it against the demo chute. It writes generated_image.png in the working
// directory, and reads the body without checking response.ok.
import * as fs from 'fs';

async function generateImage() {
    const url = `${process.env.CORDWIRE_BASE_URL}/v1/images/generations`;
    
    const response = await fetch(url, {
        method: "POST",
        headers: {
            "Content-Type": "application/json",
            "X-API-Key": process.env.CORDWIRE_API_KEY ?? ""
        },
        body: JSON.stringify({
            prompt: "A beautiful sunset over mountains, oil painting style",
            n: 1,
            size: "1024x1024",
            response_format: "b64_json"
        })
    });
    
    const result = await response.json();
    
    // Save the image
    const imageData = Buffer.from(result.data[0].b64_json, 'base64');
    fs.writeFileSync('generated_image.png', imageData);
    console.log('Image saved as generated_image.png');
}

generateImage();
